/* ms_probe.c: padding probes of a viewer's link (see ms_probe.h). */
#include "ms_probe.h"

gboolean ms_probe_can_start(const ms_probe *p, gint64 now)
{
	return p->state != MS_PROBE_RUNNING && now >= p->not_before;
}

void ms_probe_start(ms_probe *p, guint64 base_bps, guint64 target_bps, guint64 remb, gint64 now)
{
	p->state = MS_PROBE_RUNNING;
	p->started = now;
	p->base_bps = base_bps;
	p->target_bps = MIN(MAX(target_bps, base_bps), base_bps + MS_PROBE_MAX_PADDING_BPS);
	p->ramp_us = (gint64)((p->target_bps - base_bps) * G_USEC_PER_SEC / MS_PROBE_SLOPE_BPS);
	p->ramp_us = CLAMP(p->ramp_us, MS_PROBE_RAMP_MIN_US, MS_PROBE_RAMP_MAX_US);
	p->end_us = p->ramp_us + MS_PROBE_HOLD_US;
	p->remb_before = remb;
	p->packets = 0;
	p->nacked = 0;
	p->reports = 0;
	p->lag_over = 0;
}

guint64 ms_probe_padding_bps(const ms_probe *p, gint64 now)
{
	if(p->state != MS_PROBE_RUNNING)
		return 0;
	gint64 t = now - p->started;
	if(t < 0 || t >= p->end_us)
		return 0;
	guint64 extra = p->target_bps - p->base_bps;
	if(t >= p->ramp_us)
		return extra;
	return extra * (guint64)t / (guint64)p->ramp_us;
}

/* End the running probe with v. */
static void conclude(ms_probe *p, ms_probe_verdict v, const char *why, gint64 now)
{
	p->why = why;
	p->state = MS_PROBE_IDLE;
	p->verdict = v;
	p->verdict_at = now;
	p->told = FALSE;
	if(v == MS_PROBE_PASSED) {
		p->passed_bps = p->target_bps;
		p->backoff = 0;
		p->fails_in_row = 0;
		p->passes++;
	} else {
		p->backoff = p->backoff == 0 ? MS_PROBE_BACKOFF_US : MIN(p->backoff * 2, MS_PROBE_BACKOFF_MAX_US);
		p->fails++;
		p->fails_in_row++;
	}
	p->not_before = now + p->backoff;
}

static gboolean running(const ms_probe *p)
{
	return p->state == MS_PROBE_RUNNING;
}

void ms_probe_sent(ms_probe *p, guint packets)
{
	if(running(p))
		p->packets += packets;
}

void ms_probe_reports(ms_probe *p, guint n, guint lost_sum, gint64 now)
{
	if(!running(p) || n == 0 || now - p->started < MS_PROBE_REPORT_LAG_US)
		return;
	if((double)MIN(lost_sum, 255 * n) / (256.0 * n) >= MS_PROBE_LOSS) {
		conclude(p, MS_PROBE_FAILED, "loss in a receiver report", now);
		return;
	}
	if(now - p->started >= p->ramp_us)
		p->reports += n;
}

void ms_probe_nacks(ms_probe *p, guint n, gint64 now)
{
	if(!running(p))
		return;
	p->nacked += n;
	if(p->nacked >= MS_PROBE_NACK_MIN && p->nacked >= MS_PROBE_LOSS * (double)MAX(p->packets, 1))
		conclude(p, MS_PROBE_FAILED, "NACKs", now);
}

void ms_probe_remb(ms_probe *p, guint64 bps, gint64 now)
{
	if(running(p) && p->remb_before > 0 && bps > 0 && bps < p->remb_before * MS_PROBE_REMB_DROP)
		conclude(p, MS_PROBE_FAILED, "REMB drop", now);
}

gint64 ms_probe_path_lag(const ms_probe *p, gint64 now)
{
	gint64 tick = now / G_USEC_PER_SEC + 1, least = -1;
	for(guint i = 0; i < MS_PROBE_LAG_BUCKETS; i++) {
		if(p->lag_tick[i] == 0 || p->lag_tick[i] > tick || p->lag_tick[i] <= tick - MS_PROBE_LAG_BUCKETS)
			continue;
		if(least < 0 || p->lag_min[i] < least)
			least = p->lag_min[i];
	}
	return least;
}

void ms_probe_lag(ms_probe *p, gint64 lag, gint64 now)
{
	if(lag < 0)
		return;
	gint64 tick = now / G_USEC_PER_SEC + 1;
	guint k = (guint)(tick % MS_PROBE_LAG_BUCKETS);
	if(p->lag_tick[k] != tick) {
		p->lag_tick[k] = tick;
		p->lag_min[k] = lag;
	} else {
		p->lag_min[k] = MIN(p->lag_min[k], lag);
	}
	if(!running(p) || now - p->started < MS_PROBE_REPORT_LAG_US)
		return;
	gint64 over = lag - ms_probe_path_lag(p, now);
	p->lag_over = MAX(p->lag_over, over);
	if(over > MS_PROBE_QUEUE_US)
		conclude(p, MS_PROBE_FAILED, "report lag (a queue)", now);
}

void ms_probe_drop(ms_probe *p, gint64 now)
{
	if(!running(p))
		return;
	p->state = MS_PROBE_IDLE;
	p->not_before = now + MS_PROBE_BACKOFF_US;
	p->dropped++;
}

ms_probe_verdict ms_probe_poll(ms_probe *p, gint64 now)
{
	if(running(p) && now - p->started >= p->end_us + MS_PROBE_TAIL_US)
		conclude(p, p->reports >= MS_PROBE_MIN_REPORTS ? MS_PROBE_PASSED : MS_PROBE_FAILED,
			p->reports >= MS_PROBE_MIN_REPORTS ? NULL : "no receiver reports", now);
	if(p->verdict == MS_PROBE_NONE || p->told)
		return MS_PROBE_NONE;
	p->told = TRUE;
	return p->verdict;
}

guint64 ms_probe_proven_bps(const ms_probe *p, gint64 now)
{
	if(p->verdict != MS_PROBE_PASSED || now - p->verdict_at >= MS_PROBE_VALID_US)
		return 0;
	return p->passed_bps;
}
