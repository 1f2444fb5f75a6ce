/* ms_gop.c: per-source GOP cache (pure, preallocated, bounded).
 *
 * Storage is one byte arena (max_bytes) plus a table of (offset, length)
 * for up to max_packets packets, both allocated by ms_gop_new(). A GOP is
 * appended to the arena from offset 0 and dropped by resetting the fill
 * level: ms_gop_push() only copies bytes. See ms_gop.h for the rules. */
#include <string.h>

#include "ms_gop.h"

/* A sequence number this far behind the last one is a restarted source,
 * not a late packet (same bound as the rewriter's). */
#define GOP_SEQ_BACK_MAX 1000
/* Plausible keyframe intervals, for predicting the next keyframe. */
#define GOP_INTERVAL_MIN (100 * 1000)
#define GOP_INTERVAL_MAX (30 * G_USEC_PER_SEC)
/* A keyframe this late is not "due" any more: the source is irregular. */
#define GOP_LATE_MAX (250 * 1000)

typedef struct gop_pkt {
	gsize off;
	gsize len;
} gop_pkt;

struct ms_gop {
	/* storage, fixed at creation */
	guint8 *arena;
	gsize max_bytes;
	gop_pkt *pkts;
	guint max_packets;
	/* current GOP */
	gboolean valid;		/* the cache holds a GOP start and all since */
	guint count;
	gsize used;
	gboolean have_key_ts;	/* key_ts is meaningful (kept when invalidated) */
	guint32 key_ts;		/* RTP timestamp of the GOP's keyframe */
	gint64 key_time;	/* monotonic us when the GOP started */
	gint64 interval;	/* us between the last two GOP starts (0: unknown) */
	gboolean have_idr;	/* an IDR slice starts in the cache */
	gboolean only_params;	/* nothing but SPS/PPS cached so far */
	/* sequence tracking */
	gboolean have_seq;
	guint16 last_seq;
};

ms_gop *ms_gop_new(gsize max_bytes, guint max_packets)
{
	if(max_bytes == 0 || max_packets == 0)
		return NULL;
	ms_gop *g = g_new0(ms_gop, 1);
	g->arena = g_malloc(max_bytes);
	g->max_bytes = max_bytes;
	g->pkts = g_new0(gop_pkt, max_packets);
	g->max_packets = max_packets;
	return g;
}

void ms_gop_free(ms_gop *g)
{
	if(g == NULL)
		return;
	g_free(g->arena);
	g_free(g->pkts);
	g_free(g);
}

static void drop(ms_gop *g)
{
	g->valid = FALSE;
	g->count = 0;
	g->used = 0;
	g->have_idr = FALSE;
	g->only_params = FALSE;
}

void ms_gop_reset(ms_gop *g)
{
	if(g == NULL)
		return;
	drop(g);
	g->have_key_ts = FALSE;
	g->key_ts = 0;
	g->key_time = 0;
	g->interval = 0;
	g->have_seq = FALSE;
	g->last_seq = 0;
}

/* Sequence check. Returns FALSE for a duplicate or late packet (ignored);
 * sets *gap for a discontinuity (loss, or a restarted source). */
static gboolean check_seq(ms_gop *g, guint16 seq, gboolean *gap)
{
	*gap = FALSE;
	if(g->have_seq) {
		gint16 d = (gint16)(guint16)(seq - g->last_seq);
		if(d <= 0 && d >= -GOP_SEQ_BACK_MAX)
			return FALSE;
		if(d != 1)
			*gap = TRUE;
	}
	g->have_seq = TRUE;
	g->last_seq = seq;
	return TRUE;
}

/* Does keyframe material with timestamp ts begin a new GOP? Parameter sets
 * sent with a timestamp of their own just before the IDR are kept: while
 * the cache holds nothing but SPS/PPS, the IDR joins them. */
static gboolean starts_gop(ms_gop *g, guint32 ts)
{
	if(!g->have_key_ts || ts != g->key_ts)
		return !(g->valid && g->only_params);
	return FALSE;
}

guint ms_gop_push(ms_gop *g, const ms_packet *p, gint64 now_us)
{
	if(g == NULL || p == NULL)
		return 0;
	guint res = 0;
	gboolean gap = FALSE;
	if(!check_seq(g, p->seq, &gap))
		return 0;
	if(gap && g->valid) {
		drop(g);
		res |= MS_GOP_INVALIDATED;
	}
	guint32 ts = p->ts;
	gboolean key = (p->facts & MS_PKT_KEY_MATERIAL) != 0;
	if(key && starts_gop(g, ts)) {
		gint64 since = g->key_time > 0 ? now_us - g->key_time : 0;
		g->interval = (since >= GOP_INTERVAL_MIN && since <= GOP_INTERVAL_MAX) ? since : 0;
		drop(g);
		g->valid = TRUE;
		g->only_params = TRUE;
		g->have_key_ts = TRUE;
		g->key_ts = ts;
		g->key_time = now_us;
		res |= MS_GOP_NEW_KEYFRAME;
	} else if(key && g->valid && g->only_params && ts != g->key_ts) {
		/* The keyframe after parameter sets stamped differently */
		g->key_ts = ts;
		g->key_time = now_us;
	}
	if(!g->valid)
		return res;
	if(g->count >= g->max_packets || p->len > g->max_bytes - g->used) {
		drop(g);
		return res | MS_GOP_INVALIDATED;
	}
	memcpy(g->arena + g->used, p->data, p->len);
	g->pkts[g->count].off = g->used;
	g->pkts[g->count].len = p->len;
	g->count++;
	g->used += p->len;
	if(p->facts & MS_PKT_KEY)
		g->have_idr = TRUE;
	if(p->facts & (MS_PKT_KEY | MS_PKT_KEY_CONT | MS_PKT_SLICE))
		g->only_params = FALSE;
	return res | MS_GOP_STORED;
}

gboolean ms_gop_ready(const ms_gop *g, gint64 now_us, gint64 max_age_us)
{
	if(g == NULL || !g->valid || !g->have_idr || g->count == 0)
		return FALSE;
	if(max_age_us > 0 && now_us - g->key_time > max_age_us)
		return FALSE;
	return TRUE;
}

gboolean ms_gop_keyframe_due(const ms_gop *g, gint64 now_us, gint64 margin_us)
{
	if(g == NULL || g->interval == 0 || g->key_time == 0)
		return FALSE;
	gint64 age = now_us - g->key_time;
	return age >= g->interval - margin_us && age <= g->interval + GOP_LATE_MAX;
}

guint ms_gop_count(const ms_gop *g)
{
	return g ? g->count : 0;
}

const guint8 *ms_gop_packet(const ms_gop *g, guint i, gsize *len)
{
	if(g == NULL || i >= g->count) {
		if(len)
			*len = 0;
		return NULL;
	}
	if(len)
		*len = g->pkts[i].len;
	return g->arena + g->pkts[i].off;
}

gsize ms_gop_bytes(const ms_gop *g)
{
	return g ? g->used : 0;
}
