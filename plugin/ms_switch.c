/* ms_switch.c: the switch engine of one slot (see ms_switch.h). */
#include "ms_switch.h"

const void *ms_switch_bind(ms_switch *sw, const void *src, gboolean showing, gboolean *now)
{
	const void *dropped = NULL;
	if(sw->next != NULL && sw->next != src && sw->next != sw->bound)
		dropped = sw->next;
	*now = showing && src == sw->bound && !sw->need_sync;
	sw->next = *now ? NULL : src;
	return dropped;
}

void ms_switch_bind_synced(ms_switch *sw, const void *src)
{
	sw->bound = src;
	sw->next = NULL;
	sw->need_sync = TRUE;
	sw->sync_live = FALSE;
}

void ms_switch_clear(ms_switch *sw)
{
	sw->bound = sw->next = NULL;
	sw->need_sync = sw->sync_live = sw->stale = FALSE;
}

/* May the slot replay src's cache now? Not for a resync within a second of
 * the last replay one caused, not beyond the slot's replays per second. */
static gboolean replay_allowed(ms_switch *sw, const void *src, const ms_switch_offer *o, gint64 now)
{
	if(!o->cache || !o->budget)
		return FALSE;
	if(src == sw->bound && sw->need_sync && sw->sync_live)
		return FALSE;
	if(now - sw->replay_window >= G_USEC_PER_SEC) {
		sw->replay_window = now;
		sw->replay_count = 0;
	}
	return sw->replay_count < MS_REPLAYS_PER_SECOND;
}

/* Start the decoder on src: its cache, or the packet at hand when it starts
 * a keyframe. */
static ms_switch_act start_on(ms_switch *sw, const void *src, gboolean live, const ms_switch_offer *o, gint64 now)
{
	if(replay_allowed(sw, src, o, now)) {
		sw->replay_count++;
		if(src == sw->bound && sw->need_sync)
			sw->resync_replay = now;
		sw->keyframe_out = now;
		sw->sync_live = FALSE;
		return MS_SW_REPLAY;
	}
	if(live && o->keyframe) {
		sw->keyframe_out = now;
		sw->sync_live = FALSE;
		return MS_SW_START;
	}
	return MS_SW_WITHHOLD;
}

static void flip(ms_switch *sw, const void *src)
{
	if(sw->bound != NULL && sw->bound != src)
		sw->stale = TRUE;
	sw->bound = src;
	sw->next = NULL;
	sw->switches++;
}

ms_switch_result ms_switch_step(ms_switch *sw, const void *src, gboolean live, const ms_switch_offer *o,
		gboolean media, gboolean frame_open, gint64 now)
{
	ms_switch_result r = { MS_SW_WITHHOLD, FALSE, FALSE };
	if(src == sw->next) {
		if(!media) {
			/* Nothing to show yet: bind now, start when media is up */
			flip(sw, src);
			sw->need_sync = TRUE;
			r.flipped = TRUE;
			return r;
		}
		/* Cut the old stream between two frames only, unless it stalled */
		if(sw->bound != NULL && frame_open && now - sw->last_send <= MS_CUT_STALL_US)
			return r;
		r.act = start_on(sw, src, live, o, now);
		if(r.act == MS_SW_WITHHOLD)
			return r;
		flip(sw, src);
		sw->need_sync = FALSE;
		r.flipped = TRUE;
		return r;
	}
	if(src != sw->bound || !media)
		return r;
	if(sw->need_sync) {
		r.act = start_on(sw, src, live, o, now);
		if(r.act != MS_SW_WITHHOLD) {
			sw->need_sync = FALSE;
			r.synced = TRUE;
		}
		return r;
	}
	r.act = live ? MS_SW_RELAY : MS_SW_WITHHOLD;
	return r;
}

gboolean ms_switch_waits_for(const ms_switch *sw, const void *src)
{
	return src != NULL && (src == sw->next || (src == sw->bound && sw->need_sync));
}

void ms_switch_sent(ms_switch *sw, gboolean keyframe, gint64 now)
{
	sw->last_send = now;
	if(keyframe)
		sw->keyframe_out = now;	/* a PLI right after it is answered */
}

gboolean ms_switch_resync(ms_switch *sw, gint64 now)
{
	gboolean answered = sw->keyframe_out > 0 && now - sw->keyframe_out < MS_KEYFRAME_ANSWERED_US;
	if(sw->bound == NULL || sw->next != NULL || answered)
		return FALSE;
	sw->sync_live = sw->resync_replay > 0 && now - sw->resync_replay < MS_RESYNC_REPLAY_INTERVAL_US;
	sw->need_sync = TRUE;
	return TRUE;
}

gboolean ms_switch_source_down(const ms_switch *sw, const void *src)
{
	return src != NULL && (src == sw->next || (src == sw->bound && sw->next == NULL));
}

void ms_switch_source_up(ms_switch *sw, const void *src)
{
	if(src != NULL && src == sw->bound)
		sw->need_sync = TRUE;
}

gboolean ms_switch_take_stale(ms_switch *sw)
{
	gboolean stale = sw->stale;
	sw->stale = FALSE;
	return stale;
}
