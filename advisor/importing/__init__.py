"""Import Microsoft Knowledge Base articles as advisor rule files (`advisor import`).

The archive's articles are plain text laid out for a fixed-width screen. `source` reads
one file into its header and sections, `layout` turns a section's lines into blocks
(paragraphs, numbered items, quoted text, notes), `messages` finds the error messages
quoted in SYMPTOMS, `resolution` turns RESOLUTION or WORKAROUND into items with ids,
`conditions` reads the phrases that make an item conditional with the target knowledge
base's own language, `products` reads what the article applies to, `convert` puts one
article together, `render` writes it as YAML, `base` writes the shared facts of a new
knowledge base, and `run` imports files and folders and reports.
"""
