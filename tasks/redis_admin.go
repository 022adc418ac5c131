package tasks

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// finishedTTL is how long Redis keeps a finished task's hash (the EXPIRE in the
// scripts), in milliseconds; the finished indexes drop entries older than this.
const finishedTTL = 604800 * 1000

var redisCounts = redis.NewScript(redisDueKey + `
local p, expired = ARGV[1], ARGV[2]
local queued = 0
for _, q in ipairs(redis.call('SMEMBERS', p .. ':queues')) do
  queued = queued + redis.call('ZCARD', p .. ':sched:' .. q) + redis.call('ZCARD', p .. ':ready:' .. q)
  for _, name in ipairs(redis.call('SMEMBERS', p .. ':names:' .. q)) do
    queued = queued + redis.call('ZCARD', duekey(p, q, name))
  end
end
redis.call('ZREMRANGEBYSCORE', p .. ':finished:succeeded', '-inf', '(' .. expired)
redis.call('ZREMRANGEBYSCORE', p .. ':finished:dead', '-inf', '(' .. expired)
return {queued, redis.call('ZCARD', p .. ':leases'), redis.call('ZCARD', p .. ':finished:succeeded'),
  redis.call('ZCARD', p .. ':finished:dead')}
`)

// Counts returns how many tasks are in each status, for monitoring; like the
// database backend's, statuses with no task are left out. It reads the indexes
// the scripts keep (one sorted-set size per queue and status, and per queue and
// task name for the due ones), so it costs the same however many tasks are
// stored. Queues are known from enqueues and from
// workers' polls; tasks that finished before this method existed are not in the
// finished indexes and are not counted (they expire within seven days).
func (b *RedisBackend) Counts(ctx context.Context) (map[Status]int64, error) {
	res, err := redisCounts.Run(ctx, b.rdb, nil, b.prefix, nowMs()-finishedTTL).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("tasks: redis counts: %w", err)
	}
	if len(res) != 4 {
		return nil, fmt.Errorf("tasks: redis counts returned %v", res)
	}
	out := map[Status]int64{}
	for i, st := range []Status{StatusQueued, StatusRunning, StatusSucceeded, StatusDead} {
		if res[i] > 0 {
			out[st] = res[i]
		}
	}
	return out, nil
}

var redisDueByTask = redis.NewScript(redisDueKey + `
local p = ARGV[1]
local out = {}
for i = 2, #ARGV do
  local q = ARGV[i]
  for _, name in ipairs(redis.call('SMEMBERS', p .. ':names:' .. q)) do
    table.insert(out, name)
    table.insert(out, redis.call('ZCARD', duekey(p, q, name)))
  end
end
return out
`)

// DueByTask returns how many tasks of queues (all queues when none is given)
// are queued and due, by task name. Tasks that stay due under a name no running
// worker registers show here (a worker logs those it does not serve at start).
// It first files the queues' newly due tasks by name, as a claim does.
func (b *RedisBackend) DueByTask(ctx context.Context, queues ...string) (map[string]int64, error) {
	if len(queues) == 0 {
		var err error
		if queues, err = b.rdb.SMembers(ctx, b.prefix+":queues").Result(); err != nil {
			return nil, fmt.Errorf("tasks: redis due by task: %w", err)
		}
	}
	out := map[string]int64{}
	if len(queues) == 0 {
		return out, nil
	}
	args := []any{b.prefix, nowMs(), 0, 0, "", len(queues)}
	qargs := []any{b.prefix}
	for _, q := range queues {
		args = append(args, q)
		qargs = append(qargs, q)
	}
	if err := redisClaim.Run(ctx, b.rdb, nil, args...).Err(); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("tasks: redis due by task: %w", err)
	}
	res, err := redisDueByTask.Run(ctx, b.rdb, nil, qargs...).Slice()
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("tasks: redis due by task: %w", err)
	}
	for i := 0; i+1 < len(res); i += 2 {
		name, _ := res[i].(string)
		n, _ := res[i+1].(int64)
		out[name] += n
	}
	return out, nil
}

var redisRequeue = redis.NewScript(`
local p, id, now = ARGV[1], ARGV[2], ARGV[3]
local h = p .. ':job:' .. id
if redis.call('HGET', h, 'status') ~= 'dead' then return 0 end
local q = redis.call('HGET', h, 'queue')
redis.call('PERSIST', h)
redis.call('HSET', h, 'status', 'queued', 'attempts', 0, 'run_at', now, 'finished', 0, 'token', '')
redis.call('ZREM', p .. ':finished:dead', id)
redis.call('ZADD', p .. ':sched:' .. q, now, id)
redis.call('SADD', p .. ':queues', q)
return 1
`)

// Requeue puts a dead task back in its queue, due now, with its attempts reset,
// in one script. It reports whether the task was dead. The task's hash no longer
// expires; it does again when the task finishes.
func (b *RedisBackend) Requeue(ctx context.Context, id int64) (bool, error) {
	n, err := redisRequeue.Run(ctx, b.rdb, nil, b.prefix, id, nowMs()).Int()
	if err != nil {
		return false, fmt.Errorf("tasks: redis requeue %d: %w", id, err)
	}
	return n == 1, nil
}

// purgeBatch bounds the tasks one Purge script deletes, so Redis is never
// blocked long; Purge runs scripts until none is left.
const purgeBatch = 500

var redisPurge = redis.NewScript(`
local p, before, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local n, seen = 0, 0
for _, st in ipairs({'succeeded', 'dead'}) do
  local z = p .. ':finished:' .. st
  local ids = redis.call('ZRANGEBYSCORE', z, '-inf', '(' .. before, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    seen = seen + 1
    redis.call('ZREM', z, id)
    local h = p .. ':job:' .. id
    if redis.call('HGET', h, 'status') == st then
      local uk = redis.call('HGET', h, 'unique')
      if uk and uk ~= '' and redis.call('GET', p .. ':unique:' .. uk) == id then
        redis.call('DEL', p .. ':unique:' .. uk)
      end
      redis.call('DEL', h)
      n = n + 1
    end
  end
end
return {n, seen}
`)

// Purge deletes the succeeded and dead tasks that finished before t, with their
// Unique keys, and returns how many. Each batch of up to 500 tasks is one script.
// Periodic tasks are told apart by their Unique keys, so keep at least a day of
// them. Finished tasks expire after seven days anyway.
func (b *RedisBackend) Purge(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := redisPurge.Run(ctx, b.rdb, nil, b.prefix, before.UnixMilli(), purgeBatch).Int64Slice()
		if err != nil {
			return total, fmt.Errorf("tasks: redis purge: %w", err)
		}
		if len(res) != 2 {
			return total, fmt.Errorf("tasks: redis purge returned %v", res)
		}
		total += res[0]
		if res[1] == 0 {
			return total, nil
		}
	}
}
