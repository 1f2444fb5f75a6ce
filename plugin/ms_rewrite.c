/* ms_rewrite.c: per-slot RTP rewriter (pure, no allocation, no locks).
 *
 * Maps whatever feeds a slot (live packets of one source at a time, bursts
 * replayed from a GOP cache) onto one continuous outgoing stream; the rules
 * are in ms_rewrite.h. All
 * arithmetic is modular (16 bit sequence numbers, 32 bit timestamps):
 * "ahead" and "behind" are signed differences. */
#include <string.h>

#include "ms_rewrite.h"
#include "ms_rtp.h"

#define VIDEO_CLOCK 90000
/* Source jump thresholds: beyond these the live mapping is re-anchored. */
#define JUMP_TS_AHEAD(rw) (5 * (gint32)(rw)->clock)
#define JUMP_SEQ_AHEAD 1000
/* Largest forward step ever taken on the wall clock (about 3.3 hours):
 * keeps a step unambiguous as "forward" in 32 bit serial arithmetic. */
#define WALL_TICKS_MAX 0x3fffffff

void ms_rewrite_init(ms_rewrite *rw, guint32 ssrc, guint8 pt)
{
	if(rw == NULL)
		return;
	memset(rw, 0, sizeof(*rw));
	rw->ssrc = ssrc;
	rw->pt = pt & 0x7f;
	rw->clock = VIDEO_CLOCK;
}

void ms_rewrite_set_clock(ms_rewrite *rw, guint clock)
{
	if(rw != NULL && clock >= 1000 && clock <= VIDEO_CLOCK)
		rw->clock = clock;
}

void ms_rewrite_rebase(ms_rewrite *rw, gboolean after_replay)
{
	if(rw == NULL)
		return;
	rw->anchored = FALSE;
	rw->replaying = FALSE;
	/* A different source follows: its numbers relate to nothing we saw */
	if(!after_replay)
		rw->have_src = FALSE;
}

/* Wall time since the last sent timestamp first went out, in ticks of the
 * clock, at least 1. */
static guint32 wall_ticks(const ms_rewrite *rw, gint64 now_us)
{
	gint64 d = now_us - rw->ts_wall;
	if(d <= 0)
		return 1;
	gint64 ticks = d / 1000 * rw->clock / 1000 + (d % 1000) * rw->clock / G_USEC_PER_SEC;
	if(ticks > WALL_TICKS_MAX)
		return WALL_TICKS_MAX;
	return ticks < 1 ? 1 : (guint32)ticks;
}

/* Stamp the outgoing numbers on the packet and remember what was sent. */
static void emit(ms_rewrite *rw, guint8 *pkt, guint16 seq, guint32 ts, gint64 now_us)
{
	ms_rtp_set_seq(pkt, seq);
	ms_rtp_set_ts(pkt, ts);
	ms_rtp_set_ssrc(pkt, rw->ssrc);
	ms_rtp_set_pt(pkt, rw->pt);
	if(!rw->started || ts != rw->ts)
		rw->ts_wall = now_us;
	rw->started = TRUE;
	rw->seq = seq;
	rw->ts = ts;
	rw->frame_open = !ms_rtp_marker(pkt);
}

/* Remember the source numbers of the packet just sent. */
static void note_src(ms_rewrite *rw, const guint8 *pkt)
{
	rw->have_src = TRUE;
	rw->src_seq = ms_rtp_seq(pkt);
	rw->src_ts = ms_rtp_ts(pkt);
}

void ms_rewrite_replay(ms_rewrite *rw, guint8 *pkt, gsize len, gboolean first, gint64 now_us)
{
	if(rw == NULL || len < MS_RTP_HEADER_LEN)
		return;
	guint16 seq;
	guint32 ts;
	if(!rw->started) {
		seq = (guint16)g_random_int();
		ts = g_random_int();
	} else if(first || !rw->replaying || !rw->have_src) {
		/* Burst start: the media clock catches up with the wall clock */
		seq = rw->seq + 1;
		ts = rw->ts + wall_ticks(rw, now_us);
	} else {
		/* Cached frames 1 tick apart, packets of one frame share it */
		seq = rw->seq + 1;
		ts = ms_rtp_ts(pkt) == rw->src_ts ? rw->ts : rw->ts + 1;
	}
	note_src(rw, pkt);
	emit(rw, pkt, seq, ts, now_us);
	rw->replaying = TRUE;
	/* Whatever comes live next is re-anchored */
	rw->anchored = FALSE;
}

/* Is a source packet (d_seq, d_ts relative to the last one sent) older than
 * what was sent: a duplicate or a reordered packet? */
static gboolean is_older(const ms_rewrite *rw, gint32 d_seq, gint32 d_ts)
{
	if(d_seq == 0)
		return TRUE;
	return d_seq < 0 && d_seq >= -JUMP_SEQ_AHEAD && d_ts <= 0 && d_ts >= -JUMP_TS_AHEAD(rw);
}

/* Does the source continue in a plausible way (no restart, no jump)? */
static gboolean is_continuous(const ms_rewrite *rw, gint32 d_seq, gint32 d_ts)
{
	return d_seq > 0 && d_seq <= JUMP_SEQ_AHEAD && d_ts >= 0 && d_ts <= JUMP_TS_AHEAD(rw);
}

/* First live packet after a rebase, a replay or a source jump: anchor the
 * source on the outgoing stream. */
static void anchor(ms_rewrite *rw, guint8 *pkt, gboolean same_src, gint64 now_us)
{
	guint16 s_seq = ms_rtp_seq(pkt);
	guint32 s_ts = ms_rtp_ts(pkt);
	guint16 seq;
	guint32 ts;
	if(!rw->started) {
		seq = (guint16)g_random_int();
		ts = g_random_int();
	} else {
		seq = rw->seq + 1;
		ts = rw->ts + wall_ticks(rw, now_us);
		if(same_src) {
			/* Same source, e.g. live after its own cache: keep its losses
			 * visible, and finish the frame the replay ended in */
			seq = rw->seq + (guint16)(s_seq - rw->src_seq);
			if(s_ts == rw->src_ts)
				ts = rw->ts;
		}
	}
	rw->seq_offset = (guint16)(seq - s_seq);
	rw->ts_offset = ts - s_ts;
	rw->anchored = TRUE;
	rw->replaying = FALSE;
	note_src(rw, pkt);
	emit(rw, pkt, seq, ts, now_us);
}

gboolean ms_rewrite_live(ms_rewrite *rw, guint8 *pkt, gsize len, gint64 now_us)
{
	if(rw == NULL || len < MS_RTP_HEADER_LEN)
		return FALSE;
	if(!rw->started || !rw->have_src) {
		anchor(rw, pkt, FALSE, now_us);
		return TRUE;
	}
	gint32 d_seq = (gint16)(guint16)(ms_rtp_seq(pkt) - rw->src_seq);
	gint32 d_ts = (gint32)(ms_rtp_ts(pkt) - rw->src_ts);
	if(is_older(rw, d_seq, d_ts))
		return FALSE;
	gboolean cont = is_continuous(rw, d_seq, d_ts);
	if(!rw->anchored || !cont) {
		anchor(rw, pkt, cont, now_us);
		return TRUE;
	}
	note_src(rw, pkt);
	emit(rw, pkt, ms_rtp_seq(pkt) + rw->seq_offset, ms_rtp_ts(pkt) + rw->ts_offset, now_us);
	return TRUE;
}

gsize ms_rewrite_padding(ms_rewrite *rw, guint8 *buf, guint pad)
{
	if(rw == NULL || !rw->started || rw->frame_open || rw->replaying || pad == 0 || pad > 255)
		return 0;
	gsize len = MS_RTP_HEADER_LEN + pad;
	memset(buf, 0, len);
	buf[0] = 0x80 | 0x20;		/* version 2, padding */
	rw->seq++;
	ms_rtp_set_seq(buf, rw->seq);
	ms_rtp_set_ts(buf, rw->ts);
	ms_rtp_set_ssrc(buf, rw->ssrc);
	ms_rtp_set_pt(buf, rw->pt);
	buf[len - 1] = (guint8)pad;
	/* The live mapping moves past it; a replay or a re-anchor counts from
	 * rw->seq anyway */
	rw->seq_offset++;
	return len;
}
