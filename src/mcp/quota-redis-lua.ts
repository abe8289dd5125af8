// The Redis quota store's keys and scripts. Each script runs atomically in Redis, so replicas sharing one Redis
// never admit more than the quota between them. Times come from Redis's own clock (TIME), so replicas whose clocks
// disagree still share one window. Numbers go back to Redis through string.format('%d'): Lua numbers are doubles,
// and a millisecond timestamp printed as 1.7e+12 would not be an integer to PEXPIRE.
//
// Per principal, two sorted sets (both expire, so an idle principal leaves nothing behind):
//   <prefix>:{<key>}:rate   admissions of the sliding perMinute window: member = grant id, score = admitted at (ms)
//   <prefix>:{<key>}:slots  concurrent leases: member = grant id, score = the lease's expiry (ms). A replica refreshes
//                           the leases of its running executions; one that died stops, and its leases lapse.
// The braces are a Redis Cluster hash tag: both keys of a principal live on one node, as a script needs.

export const DEFAULT_PREFIX = 'enclave-mcp:quota';

export function quotaKeys(prefix: string, key: string): { rate: string; slots: string } {
  return { rate: `${prefix}:{${key}}:rate`, slots: `${prefix}:{${key}}:slots` };
}

const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function int(x) return string.format('%d', x) end
-- Expire a lease set with its last lease, so it outlives every live member and no longer.
local function expireWithLastLease(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', key, int(math.max(tonumber(last[2]) - now, 1))) end
end
`;

/**
 * KEYS: rate, slots. ARGV: perMinute (0 = none), concurrent (0 = none), windowMs, leaseMs, grant id.
 * Returns {1} (admitted, recorded under the id), {0, 'perMinute', retryAfterMs} or {0, 'concurrent'}.
 * Nothing is written before both limits are checked: a refusal consumes nothing.
 */
export const ACQUIRE = `${PRELUDE}
local perMinute, concurrent = tonumber(ARGV[1]), tonumber(ARGV[2])
local window, lease, id = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
if perMinute > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now - window))
  local n = redis.call('ZCARD', KEYS[1])
  if n >= perMinute then
    -- The admission that must leave the window before one more fits.
    local oldest = redis.call('ZRANGE', KEYS[1], n - perMinute, n - perMinute, 'WITHSCORES')
    return {0, 'perMinute', int(tonumber(oldest[2]) + window - now)}
  end
end
if concurrent > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', int(now))
  if redis.call('ZCARD', KEYS[2]) >= concurrent then return {0, 'concurrent'} end
end
if perMinute > 0 then
  redis.call('ZADD', KEYS[1], int(now), id)
  redis.call('PEXPIRE', KEYS[1], int(window))
end
if concurrent > 0 then
  redis.call('ZADD', KEYS[2], int(now + lease), id)
  expireWithLastLease(KEYS[2])
end
return {1}
`;

/**
 * KEYS: slots. ARGV: leaseMs, grant ids. Extends these leases by leaseMs from now. A lease that is gone (Redis
 * restarted without persistence, or was unreachable longer than a lease) is added back: the execution is still
 * running and must still count. A release follows any earlier refresh on the same connection, so a released lease
 * does not come back (and should one after a connection was replaced, nobody refreshes it: it lapses within a lease).
 */
export const REFRESH = `${PRELUDE}
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], int(now + lease), ARGV[i]) end
expireWithLastLease(KEYS[1])
return #ARGV - 1
`;
