package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisBackend keeps tasks in Redis (or Valkey), for projects that have one and
// want the task traffic off their database. Each task is a hash; per queue, a
// sorted set of delayed tasks by due time and one of due tasks by priority and
// age; a sorted set of leases by expiry; sorted sets of succeeded and of dead
// tasks by finish time, and the set of queue names, for Counts and Purge. Every change is one Lua script, so a
// claim is atomic and no two workers get the same task while its lease holds.
// Priorities order the tasks of one queue; a worker on several queues takes
// them in the order the queues are given. Priorities are clamped to ±1000.
// Finished tasks and Unique keys expire after seven days, or sooner with Purge
// (the database backend keeps them until Purge). It needs a single Redis node (or keys on one slot): the scripts touch keys
// they compute.
type RedisBackend struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ Broker = (*RedisBackend)(nil)

// NewRedis returns a backend on rdb whose keys start with prefix (default
// "galvani:tasks").
func NewRedis(rdb redis.UniversalClient, prefix string) *RedisBackend {
	if prefix == "" {
		prefix = "galvani:tasks"
	}
	return &RedisBackend{rdb: rdb, prefix: prefix}
}

// priorityScale separates priorities in the ready sets' scores: due times in
// Unix milliseconds stay below it until the year 2109.
const priorityScale = 1 << 42

var redisEnqueue = redis.NewScript(`
local p, uk = ARGV[1], ARGV[2]
local id = redis.call('INCR', p .. ':seq')
if uk ~= '' and not redis.call('SET', p .. ':unique:' .. uk, id, 'NX', 'EX', 604800) then return 0 end
redis.call('HSET', p .. ':job:' .. id, 'task', ARGV[3], 'queue', ARGV[4], 'priority', ARGV[5], 'status', 'queued',
  'args', ARGV[6], 'attempts', 0, 'max_attempts', ARGV[7], 'timeout_ms', ARGV[8], 'run_at', ARGV[9],
  'created', ARGV[10], 'finished', 0, 'result', '', 'last_error', '', 'token', '', 'lease_until', 0, 'request_id', ARGV[11],
  'unique', uk)
redis.call('ZADD', p .. ':sched:' .. ARGV[4], ARGV[9], id)
redis.call('SADD', p .. ':queues', ARGV[4])
return id
`)

// Enqueue implements Backend.
func (b *RedisBackend) Enqueue(ctx context.Context, j *Job) (int64, error) {
	pr := max(-1000, min(1000, j.Priority))
	id, err := redisEnqueue.Run(ctx, b.rdb, nil, b.prefix, j.UniqueKey, j.Task, j.Queue, pr, string(j.Args),
		j.MaxAttempts, j.Timeout.Milliseconds(), j.RunAt.UnixMilli(), nowMs(), j.RequestID).Int64()
	if err != nil {
		return 0, fmt.Errorf("tasks: enqueue %q: %w", j.Task, err)
	}
	if id == 0 {
		return 0, ErrDuplicate
	}
	return id, nil
}

// Info implements Backend.
func (b *RedisBackend) Info(ctx context.Context, id int64) (*Info, error) {
	m, err := b.rdb.HGetAll(ctx, b.prefix+":job:"+strconv.FormatInt(id, 10)).Result()
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(m[k], 10, 64); return n }
	in := &Info{ID: id, Task: m["task"], Queue: m["queue"], Priority: int(num("priority")), Status: Status(m["status"]),
		Args: json.RawMessage(m["args"]), Attempts: int(num("attempts")), MaxAttempts: int(num("max_attempts")),
		RunAt: msTime(num("run_at")), Created: msTime(num("created")), Finished: msTime(num("finished")), LastError: m["last_error"],
		RequestID: m["request_id"]}
	if m["result"] != "" {
		in.Result = json.RawMessage(m["result"])
	}
	return in, nil
}

// redisDueKey is the Lua function naming the sorted set of the due tasks of
// queue q called name: the queue's length first keeps every (queue, name) pair
// its own key whatever bytes the names hold.
const redisDueKey = `
local function duekey(p, q, name) return p .. ':due:' .. #q .. ':' .. q .. ':' .. name end
`

// redisClaim moves the due tasks of each queue from its delayed set into the
// due set of their name (recording the name in the queue's set of names), then
// pops, queue by queue, the best tasks among the due sets of the names asked
// for: one peek per name, then one pop and one peek per task claimed. Tasks of
// other names stay queued in their own sets. A queue's "ready" set is where
// workers before per-name claims put due tasks (and where such a worker, still
// running in a rolling deploy, still does): its tasks are moved into the sets
// of their names first.
// ARGV: prefix, now, n, lease_until, token, number of queues, the queues, the names.
var redisClaim = redis.NewScript(redisDueKey + `
local p, now, n, lu, tok, nq = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6])
local function file(q, id, score)
  local h = p .. ':job:' .. id
  if redis.call('HGET', h, 'status') ~= 'queued' then return end
  local name = redis.call('HGET', h, 'task') or ''
  if not score then
    local pr = tonumber(redis.call('HGET', h, 'priority')) or 0
    local ra = tonumber(redis.call('HGET', h, 'run_at')) or 0
    score = -pr * ` + strconv.Itoa(priorityScale) + ` + ra
  end
  redis.call('ZADD', duekey(p, q, name), score, id)
  redis.call('SADD', p .. ':names:' .. q, name)
end
for i = 7, 6 + nq do
  local q = ARGV[i]
  redis.call('SADD', p .. ':queues', q)
  local legacy = redis.call('ZPOPMIN', p .. ':ready:' .. q, 1000)
  for j = 1, #legacy, 2 do file(q, legacy[j], legacy[j + 1]) end
  local due = redis.call('ZRANGEBYSCORE', p .. ':sched:' .. q, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    redis.call('ZREM', p .. ':sched:' .. q, id)
    file(q, id, nil)
  end
end
local out = {}
for i = 7, 6 + nq do
  if #out >= n then break end
  local q = ARGV[i]
  -- heads[name] is {score, id} of the best due task of that name, or nil
  local heads = {}
  local function peek(name)
    local got = redis.call('ZRANGE', duekey(p, q, name), 0, 0, 'WITHSCORES')
    if #got == 0 then heads[name] = nil else heads[name] = {tonumber(got[2]), tonumber(got[1])} end
  end
  for j = 7 + nq, #ARGV do peek(ARGV[j]) end
  while #out < n do
    local best, bn = nil, nil
    for name, hd in pairs(heads) do
      if not best or hd[1] < best[1] or (hd[1] == best[1] and hd[2] < best[2]) then best, bn = hd, name end
    end
    if not bn then break end
    local id = redis.call('ZPOPMIN', duekey(p, q, bn))[1]
    peek(bn)
    if not heads[bn] then redis.call('SREM', p .. ':names:' .. q, bn) end
    local h = p .. ':job:' .. id
    if redis.call('HGET', h, 'status') == 'queued' then
      redis.call('HINCRBY', h, 'attempts', 1)
      redis.call('HSET', h, 'status', 'running', 'lease_until', lu, 'token', tok)
      redis.call('ZADD', p .. ':leases', lu, id)
      local f = redis.call('HMGET', h, 'task', 'args', 'attempts', 'max_attempts', 'timeout_ms', 'request_id')
      table.insert(out, {id, f[1], f[2], f[3], f[4], f[5], q, f[6] or ''})
    end
  end
end
return out
`)

func (b *RedisBackend) claim(ctx context.Context, queues, names []string, n int, lease time.Duration) ([]claimed, error) {
	if len(queues) == 0 || len(names) == 0 {
		return nil, nil
	}
	now := nowMs()
	tok := token()
	args := make([]any, 0, 6+len(queues)+len(names))
	args = append(args, b.prefix, now, n, now+lease.Milliseconds(), tok, len(queues))
	for _, q := range queues {
		args = append(args, q)
	}
	for _, name := range names {
		args = append(args, name)
	}
	res, err := redisClaim.Run(ctx, b.rdb, nil, args...).Slice()
	if err != nil {
		return nil, err
	}
	out := make([]claimed, 0, len(res))
	for _, r := range res {
		f, ok := r.([]any)
		if !ok || len(f) < 7 || len(f) > 8 {
			return nil, fmt.Errorf("tasks: redis claim returned %v", r)
		}
		s := make([]string, 8)
		for i, v := range f {
			s[i], _ = v.(string)
		}
		id, _ := strconv.ParseInt(s[0], 10, 64)
		att, _ := strconv.Atoi(s[3])
		maxAtt, _ := strconv.Atoi(s[4])
		tms, _ := strconv.ParseInt(s[5], 10, 64)
		out = append(out, claimed{id: id, task: s[1], args: []byte(s[2]), attempts: att, maxAttempts: maxAtt,
			timeout: time.Duration(tms) * time.Millisecond, token: tok, queue: s[6], requestID: s[7]})
	}
	return out, nil
}

// redisOwned changes a task if the caller's token still holds its lease.
// ARGV: prefix, id, token, action, now, then per action: renew lease_until;
// succeed result; dead error; retry error run_at; release.
var redisOwned = redis.NewScript(`
local p, id, tok, action, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local h = p .. ':job:' .. id
if redis.call('HGET', h, 'status') ~= 'running' or redis.call('HGET', h, 'token') ~= tok then return 0 end
if action == 'renew' then
  redis.call('HSET', h, 'lease_until', ARGV[6])
  redis.call('ZADD', p .. ':leases', ARGV[6], id)
  return 1
end
redis.call('ZREM', p .. ':leases', id)
local q = redis.call('HGET', h, 'queue')
if action == 'succeed' then
  redis.call('HSET', h, 'status', 'succeeded', 'result', ARGV[6], 'finished', now, 'token', '')
  redis.call('EXPIRE', h, 604800)
  redis.call('ZADD', p .. ':finished:succeeded', now, id)
elseif action == 'dead' then
  redis.call('HSET', h, 'status', 'dead', 'last_error', ARGV[6], 'finished', now, 'token', '')
  redis.call('EXPIRE', h, 604800)
  redis.call('ZADD', p .. ':finished:dead', now, id)
elseif action == 'retry' then
  redis.call('HSET', h, 'status', 'queued', 'last_error', ARGV[6], 'run_at', ARGV[7], 'token', '')
  redis.call('ZADD', p .. ':sched:' .. q, ARGV[7], id)
elseif action == 'release' then
  redis.call('HINCRBY', h, 'attempts', -1)
  redis.call('HSET', h, 'status', 'queued', 'run_at', now, 'token', '')
  redis.call('ZADD', p .. ':sched:' .. q, now, id)
end
return 1
`)

func (b *RedisBackend) owned(ctx context.Context, c *claimed, action string, extra ...any) (bool, error) {
	args := append([]any{b.prefix, c.id, c.token, action, nowMs()}, extra...)
	n, err := redisOwned.Run(ctx, b.rdb, nil, args...).Int()
	return n == 1, err
}

func (b *RedisBackend) renew(ctx context.Context, c *claimed, lease time.Duration) (bool, error) {
	return b.owned(ctx, c, "renew", nowMs()+lease.Milliseconds())
}

func (b *RedisBackend) succeed(ctx context.Context, c *claimed, result []byte) (bool, error) {
	return b.owned(ctx, c, "succeed", string(result))
}

func (b *RedisBackend) fail(ctx context.Context, c *claimed, runErr error) (bool, error) {
	msg, dead, next := failure(c, runErr)
	if dead {
		return b.owned(ctx, c, "dead", msg)
	}
	return b.owned(ctx, c, "retry", msg, next.UnixMilli())
}

func (b *RedisBackend) release(ctx context.Context, c *claimed) (bool, error) {
	return b.owned(ctx, c, "release")
}

var redisReap = redis.NewScript(`
local p, now, msg = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local ids = redis.call('ZRANGEBYSCORE', p .. ':leases', '-inf', '(' .. ARGV[2], 'LIMIT', 0, 1000)
local n = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', p .. ':leases', id)
  local h = p .. ':job:' .. id
  local lu = tonumber(redis.call('HGET', h, 'lease_until')) or 0
  local running = redis.call('HGET', h, 'status') == 'running'
  if running and lu >= now then
    -- renewed since it was indexed: keep watching it
    redis.call('ZADD', p .. ':leases', lu, id)
  elseif running then
    n = n + 1
    if (tonumber(redis.call('HGET', h, 'attempts')) or 0) >= (tonumber(redis.call('HGET', h, 'max_attempts')) or 0) then
      redis.call('HSET', h, 'status', 'dead', 'last_error', msg, 'finished', now, 'token', '')
      redis.call('EXPIRE', h, 604800)
      redis.call('ZADD', p .. ':finished:dead', now, id)
    else
      local q = redis.call('HGET', h, 'queue')
      redis.call('HSET', h, 'status', 'queued', 'last_error', msg, 'run_at', now, 'token', '')
      redis.call('ZADD', p .. ':sched:' .. q, now, id)
    end
  end
end
return n
`)

func (b *RedisBackend) reap(ctx context.Context) (int64, error) {
	return b.reapAt(ctx, nowMs())
}

// reapAt takes back the tasks whose lease ended before now (milliseconds).
func (b *RedisBackend) reapAt(ctx context.Context, now int64) (int64, error) {
	return redisReap.Run(ctx, b.rdb, nil, b.prefix, now, "the worker running it stopped renewing its lease").Int64()
}
