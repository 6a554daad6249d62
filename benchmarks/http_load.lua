-- The load of benchmarks/http.py, sent by wrk: a C client costs the shared cores far
-- less CPU per turn than a Python one, so the service's turns per second are not capped
-- by its client.
--
--     wrk -t1 -c16 -d10s -s http_load.lua URL -- PEOPLE.lua PAUSE_MS SEED
--
-- PEOPLE.lua (written by http.py) returns {people = {...}, bundled = {...}, started = N}.
-- A person is one string, "path TAB token TAB answer TAB answer ...": the answers still to
-- send of an open conversation. `bundled` holds the answers of the conversations that are
-- started when one ends, one string each, tab-separated, and `started` counts those begun
-- so far (each first answer carries its own number, so no two pastes are the same).
-- PAUSE_MS: the mean wait of a connection before each turn (exponential), 0 for none.
--
-- A connection sends the next answer of a random conversation that is waiting; the
-- request names its conversation in X-Request-ID, which the service sends back, so the
-- reply finds its conversation again. A conversation out of answers is replaced by a new
-- one (its opening is a turn too). At the end, done() prints a line of figures and the
-- people as they are now, for the next run.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do
    fields[#fields + 1] = field
  end
  return fields
end

local function json_string(text)
  return '"' .. text:gsub('[\\"]', "\\%0") .. '"'
end

function init(args)
  local data = dofile(args[1])
  pause = tonumber(args[2])
  math.randomseed(tonumber(args[3]))
  people, bundled, started = data.people, data.bundled, data.started
  waiting, free, creating, failed, checked = {}, {}, 0, 0, false
  for i = 1, #people do
    waiting[i] = i
  end
end

function delay()
  if pause == 0 then
    return 0
  end
  return math.floor(-math.log(1 - math.random()) * pause)
end

function request()
  if not checked then
    -- wrk calls request() once after init to check what it makes, and never sends it:
    -- that call must not take a conversation. (Were it sent, its reply names none.)
    checked = true
    return wrk.format("GET", "/healthz")
  end
  if creating > 0 and #free > 0 then
    creating = creating - 1
    return wrk.format("POST", "/v1/conversations", {
      ["Content-Type"] = "application/json",
      ["X-Request-ID"] = "new",
    }, "{}")
  end
  -- Any waiting conversation, in O(1): swap it with the last, take the last.
  local pick = math.random(#waiting)
  waiting[pick], waiting[#waiting] = waiting[#waiting], waiting[pick]
  local i = table.remove(waiting)
  local path, token, answer, rest = people[i]:match("^([^\t]+)\t([^\t]+)\t([^\t]+)(.*)$")
  people[i] = path .. "\t" .. token .. rest
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["X-Request-ID"] = "p" .. i,
  }, '{"text": ' .. json_string(answer) .. "}")
end

function response(status, headers, body)
  if status >= 300 then
    failed = failed + 1
    if failed <= 3 then
      io.stderr:write("answered " .. status .. ": " .. body:sub(1, 300) .. "\n")
    end
  end
  local name = headers["x-request-id"] or headers["X-Request-ID"] or ""
  if name == "" then
    return
  elseif name == "new" then
    local id = body:match('"conversation_id"%s*:%s*"([^"]+)"')
    local token = body:match('"token"%s*:%s*"([^"]+)"')
    local answers = split(bundled[started % #bundled + 1])
    answers[1] = answers[1] .. " (seen by user " .. started .. ")"
    started = started + 1
    local i = table.remove(free)
    people[i] = "/v1/conversations/" .. id .. "/messages\t" .. token .. "\t"
      .. table.concat(answers, "\t")
    waiting[#waiting + 1] = i
  else
    local i = tonumber(name:sub(2))
    if #split(people[i]) > 2 then
      waiting[#waiting + 1] = i
    else -- it ended: someone else starts one
      free[#free + 1] = i
      creating = creating + 1
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "figures requests=%d seconds=%.6f p50=%.6f p99=%.6f failed=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e6,
    latency:percentile(99) / 1e6, errors.status, errors.connect, errors.read, errors.write,
    errors.timeout))
  for _, thread in ipairs(threads) do
    io.write("started " .. thread:get("started") .. "\n")
    for _, person in ipairs(thread:get("people")) do
      io.write("person " .. person .. "\n")
    end
  end
end
