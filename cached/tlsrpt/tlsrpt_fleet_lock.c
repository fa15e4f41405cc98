/*
 * tlsrpt_fleet_lock.c - the decisions of the fleet's report sending and of
 * a host's own counts (RFC 8460 §4.4, §5): pure functions of a view. See
 * tlsrpt_fleet_lock.h.
 */
#include "tlsrpt/tlsrpt_fleet_lock.h"
#include "tlsrpt/tlsrpt_json.h"

enum tlsrpt_fleet_send_step
tlsrpt_fleet_send_next(const struct tlsrpt_fleet_view *v)
{
	if (v->now < v->day + TLSRPT_DAY + v->grace || !v->redis_up) {
		return (TLSRPT_FLEET_SEND_WAIT);
	}
	if (v->built && v->targets_left == 0) {
		return (TLSRPT_FLEET_SEND_DONE);
	}
	if (!v->lock_mine) {
		/* an unexpired lock of another host: it is sending */
		return (v->lock_other ? TLSRPT_FLEET_SEND_WAIT
		                      : TLSRPT_FLEET_SEND_LOCK);
	}
	return (v->built ? TLSRPT_FLEET_SEND_SEND : TLSRPT_FLEET_SEND_BUILD);
}

enum tlsrpt_fleet_own_step
tlsrpt_fleet_own_next(const struct tlsrpt_fleet_view *v)
{
	if (!v->has_local || v->now < v->day + TLSRPT_DAY) {
		return (TLSRPT_FLEET_OWN_KEEP);
	}
	if (!v->redis_up) {
		/* bounded wait: past it, a duplicate beats a loss */
		return (v->now >= v->day + TLSRPT_DAY + v->fallback
		                ? TLSRPT_FLEET_OWN_LOCAL
		                : TLSRPT_FLEET_OWN_KEEP);
	}
	if (v->built) {
		return (v->included ? TLSRPT_FLEET_OWN_DROP
		                    : TLSRPT_FLEET_OWN_LOCAL);
	}
	return (v->final_acked ? TLSRPT_FLEET_OWN_KEEP
	                       : TLSRPT_FLEET_OWN_PUSH);
}

int
tlsrpt_fleet_fence_ok(int64_t token, int64_t current)
{
	return (token > 0 && token == current);
}

const char *
tlsrpt_fleet_send_step_name(enum tlsrpt_fleet_send_step s)
{
	static const char *const n[]
	        = { "wait", "lock", "build", "send", "done" };

	return ((unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?");
}

const char *
tlsrpt_fleet_own_step_name(enum tlsrpt_fleet_own_step s)
{
	static const char *const n[] = { "keep", "push", "drop", "local" };

	return ((unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?");
}
