/* test_rewrite.c: the per-slot RTP rewriter (ms_rewrite): one continuous
 * stream across switches and replays (the rules are in ms_rewrite.h),
 * wraps, source jumps, duplicates. Timestamps are 90 kHz: 1 ms of
 * wall time is 90 ticks. */
#include <string.h>

#include <glib.h>

#include "ms_rewrite.h"
#include "ms_rtp.h"

#define SSRC 0x5107a001u
#define PT 102
#define MS 1000	/* us */

/* A fake source: its own SSRC, payload type, numbering. */
typedef struct src {
	guint32 ssrc;
	guint16 seq;
	guint32 ts;
} src;

/* What came out of the rewriter. */
typedef struct out {
	gboolean sent;
	guint16 seq;
	guint32 ts;
	gboolean marker;
} out;

static gsize make_pkt(guint8 *buf, guint32 ssrc, guint16 seq, guint32 ts, gboolean marker)
{
	memset(buf, 0, 16);
	buf[0] = 0x80;
	buf[1] = (guint8)((marker ? 0x80 : 0) | 96);
	ms_rtp_set_seq(buf, seq);
	ms_rtp_set_ts(buf, ts);
	ms_rtp_set_ssrc(buf, ssrc);
	buf[12] = 0x41;
	return 16;
}

static out check_pkt(const guint8 *buf, gboolean sent)
{
	out o = { sent, ms_rtp_seq(buf), ms_rtp_ts(buf), ms_rtp_marker(buf) };
	if(sent) {
		g_assert_cmpuint(ms_rtp_ssrc(buf), ==, SSRC);
		g_assert_cmpuint(ms_rtp_pt(buf), ==, PT);
	}
	return o;
}

/* Send a live packet with explicit source numbers. */
static out live_raw(ms_rewrite *rw, guint16 seq, guint32 ts, gboolean marker, gint64 now)
{
	guint8 buf[16];
	gsize len = make_pkt(buf, 0xcafe, seq, ts, marker);
	return check_pkt(buf, ms_rewrite_live(rw, buf, len, now));
}

/* Send the source's next packet (one packet per frame, marker set), then
 * advance the source by one 15 fps frame. */
static out live_next(ms_rewrite *rw, src *s, gint64 now)
{
	guint8 buf[16];
	gsize len = make_pkt(buf, s->ssrc, s->seq, s->ts, TRUE);
	s->seq++;
	s->ts += 6000;
	return check_pkt(buf, ms_rewrite_live(rw, buf, len, now));
}

static out replay_raw(ms_rewrite *rw, guint16 seq, guint32 ts, gboolean marker, gboolean first, gint64 now)
{
	guint8 buf[16];
	gsize len = make_pkt(buf, 0xcafe, seq, ts, marker);
	ms_rewrite_replay(rw, buf, len, first, now);
	return check_pkt(buf, TRUE);
}

static void test_first_packet(void)
{
	guint16 seqs[16];
	guint32 tss[16];
	gboolean seq_differs = FALSE, ts_differs = FALSE;
	for(guint i = 0; i < G_N_ELEMENTS(seqs); i++) {
		ms_rewrite rw;
		ms_rewrite_init(&rw, SSRC, PT);
		g_assert_false(rw.started);
		out o = live_raw(&rw, 777, 123456, i % 2, 0);
		g_assert_true(o.sent);
		g_assert_true(rw.started);
		g_assert_cmpuint(rw.seq, ==, o.seq);
		g_assert_cmpuint(rw.ts, ==, o.ts);
		g_assert_cmpint(o.marker, ==, i % 2);
		g_assert_cmpint(ms_rewrite_frame_open(&rw), ==, !(i % 2));
		seqs[i] = o.seq;
		tss[i] = o.ts;
		if(i > 0 && seqs[i] != seqs[0])
			seq_differs = TRUE;
		if(i > 0 && tss[i] != tss[0])
			ts_differs = TRUE;
	}
	g_assert_true(seq_differs);
	g_assert_true(ts_differs);
}

static void test_live_spacing_and_gaps(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	out a = live_raw(&rw, 1000, 50000, TRUE, 0);
	out b = live_raw(&rw, 1001, 56000, FALSE, 66 * MS);
	g_assert_cmpuint((guint16)(b.seq - a.seq), ==, 1);
	g_assert_cmpuint(b.ts - a.ts, ==, 6000);
	/* Same frame, next packet: same timestamp */
	out c = live_raw(&rw, 1002, 56000, TRUE, 67 * MS);
	g_assert_cmpuint(c.ts, ==, b.ts);
	g_assert_cmpuint((guint16)(c.seq - b.seq), ==, 1);
	/* Two packets lost upstream: the browser must see the gap */
	out d = live_raw(&rw, 1005, 68000, TRUE, 200 * MS);
	g_assert_cmpuint((guint16)(d.seq - c.seq), ==, 3);
	g_assert_cmpuint(d.ts - c.ts, ==, 12000);
	/* Source spacing wins over wall time while live */
	out e = live_raw(&rw, 1006, 71000, TRUE, 5000 * MS);
	g_assert_cmpuint(e.ts - d.ts, ==, 3000);
}

static void test_seq_wrap(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	/* Source wraps */
	out prev = live_raw(&rw, 65533, 0, TRUE, 0);
	for(guint16 s = 65534; s != 4; s++) {
		out o = live_raw(&rw, s, 0, TRUE, 0);
		g_assert_true(o.sent);
		g_assert_cmpuint((guint16)(o.seq - prev.seq), ==, 1);
		prev = o;
	}
	/* Output wraps: move the outgoing numbering to 65533 */
	rw.seq_offset = (guint16)(rw.seq_offset + (guint16)(65533 - rw.seq));
	rw.seq = 65533;
	g_assert_cmpuint(live_raw(&rw, 4, 0, TRUE, 0).seq, ==, 65534);
	g_assert_cmpuint(live_raw(&rw, 5, 0, TRUE, 0).seq, ==, 65535);
	g_assert_cmpuint(live_raw(&rw, 6, 0, TRUE, 0).seq, ==, 0);
	g_assert_cmpuint(live_raw(&rw, 8, 0, TRUE, 0).seq, ==, 2);	/* gap kept */
	/* Across a switch and a replay at the wrap */
	rw.seq_offset = (guint16)(rw.seq_offset + (guint16)(65534 - rw.seq));
	rw.seq = 65534;
	ms_rewrite_rebase(&rw, FALSE);
	g_assert_cmpuint(live_raw(&rw, 30000, 99, TRUE, 0).seq, ==, 65535);
	g_assert_cmpuint(replay_raw(&rw, 50, 1, TRUE, TRUE, 0).seq, ==, 0);
	g_assert_cmpuint(replay_raw(&rw, 51, 2, TRUE, FALSE, 0).seq, ==, 1);
	ms_rewrite_rebase(&rw, TRUE);
	g_assert_cmpuint(live_raw(&rw, 52, 3, TRUE, 0).seq, ==, 2);
}

static void test_ts_wrap(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	/* Source timestamp wraps past 2^32 */
	out a = live_raw(&rw, 1, 0xffffe000u, TRUE, 0);
	out b = live_raw(&rw, 2, 0x00000800u, TRUE, 0);	/* +0x2800 */
	g_assert_true(b.sent);
	g_assert_cmpuint(b.ts - a.ts, ==, 0x2800);
	g_assert_cmpuint((guint16)(b.seq - a.seq), ==, 1);
	/* Output timestamp wraps */
	rw.ts_offset += 0xfffff000u - rw.ts;
	rw.ts = 0xfffff000u;
	out c = live_raw(&rw, 3, 0x00000800u + 6000, TRUE, 0);
	g_assert_cmpuint(c.ts, ==, (guint32)(0xfffff000u + 6000));
	g_assert_cmpuint(c.ts, <, 0x2000);
	/* A switch across the output wrap: last + wall delta, modulo 2^32 */
	rw.ts_offset += 0xffffff00u - rw.ts;
	rw.ts = 0xffffff00u;
	rw.ts_wall = 1000 * MS;
	ms_rewrite_rebase(&rw, FALSE);
	out d = live_raw(&rw, 9000, 12345, TRUE, 1010 * MS);
	g_assert_cmpuint(d.ts, ==, (guint32)(0xffffff00u + 900));
	/* Replay across the wrap, 1 tick per frame */
	rw.ts = 0xfffffffeu;
	rw.ts_wall = 2000 * MS;
	g_assert_cmpuint(replay_raw(&rw, 1, 100, TRUE, TRUE, 2000 * MS).ts, ==, 0xffffffffu);
	g_assert_cmpuint(replay_raw(&rw, 2, 200, TRUE, FALSE, 2000 * MS).ts, ==, 0);
	g_assert_cmpuint(replay_raw(&rw, 3, 300, TRUE, FALSE, 2000 * MS).ts, ==, 1);
}

/* Switch between sources whose timestamps are far behind and far ahead:
 * the output moves by exactly the wall time (at least 1 tick), +1 seq. */
static void test_switch_far_behind_ahead(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	src a = { 1, 40000, 0x80000000u };
	src behind = { 2, 100, 0x80000000u - 0x7fff0000u };
	src ahead = { 3, 60000, 0x80000000u + 0x7fff0000u };
	gint64 now = 0;
	out prev = live_next(&rw, &a, now);
	for(guint i = 0; i < 10; i++) {
		now += 66 * MS;
		prev = live_next(&rw, &a, now);
	}
	src *order[] = { &behind, &ahead, &a, &ahead, &behind };
	gint64 gaps[] = { 40 * MS, 0, 1 * MS, 123456, 10 };
	for(guint k = 0; k < G_N_ELEMENTS(order); k++) {
		now += gaps[k];
		ms_rewrite_rebase(&rw, FALSE);
		out o = live_next(&rw, order[k], now);
		g_assert_true(o.sent);
		g_assert_cmpuint((guint16)(o.seq - prev.seq), ==, 1);
		guint32 want = (guint32)(gaps[k] * 9 / 100);
		g_assert_cmpuint(o.ts - prev.ts, ==, MAX(want, 1));
		prev = o;
		/* The new source then keeps its own spacing */
		now += 66 * MS;
		o = live_next(&rw, order[k], now);
		g_assert_cmpuint(o.ts - prev.ts, ==, 6000);
		g_assert_cmpuint((guint16)(o.seq - prev.seq), ==, 1);
		prev = o;
	}
}

/* Random sources, random switch times: never backwards, never more than
 * the wall delta at a switch, seq always +1. */
static void test_switch_random(void)
{
	GRand *r = g_rand_new_with_seed(7);
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	src s = { 1, 0, 0 };
	gint64 now = 0;
	out prev = live_next(&rw, &s, now);
	for(guint i = 0; i < 2000; i++) {
		gint64 step = g_rand_int_range(r, 0, 200 * MS);
		now += step;
		gboolean sw = g_rand_int_range(r, 0, 4) == 0;
		if(sw) {
			s.seq = (guint16)g_rand_int(r);
			s.ts = g_rand_int(r);
			ms_rewrite_rebase(&rw, FALSE);
		}
		out o = live_next(&rw, &s, now);
		g_assert_true(o.sent);
		g_assert_cmpuint((guint16)(o.seq - prev.seq), ==, 1);
		gint32 d = (gint32)(o.ts - prev.ts);
		if(sw)
			g_assert_cmpint(d, ==, MAX(1, step * 9 / 100));
		else
			g_assert_cmpint(d, ==, 6000);
		prev = o;
	}
	g_rand_free(r);
}

/* Replay: first frame = last + wall delta, +1 tick per cached frame,
 * packets of one frame share it; live after = last + wall delta. */
static void test_replay_arithmetic(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	src a = { 1, 500, 1000 };
	out last = live_next(&rw, &a, 0);
	g_assert_false(ms_rewrite_frame_open(&rw));
	/* Cached GOP of source B: keyframe (SPS, PPS, 2 IDR packets), 2 frames */
	struct { guint16 seq; guint32 ts; gboolean m; guint32 want; } c[] = {
		{ 7000, 900000, FALSE, 9000 }, { 7001, 900000, FALSE, 9000 },
		{ 7002, 900000, FALSE, 9000 }, { 7003, 900000, TRUE, 9000 },
		{ 7004, 906000, TRUE, 9001 }, { 7005, 912000, FALSE, 9002 },
		{ 7006, 912000, TRUE, 9002 },
	};
	gint64 now = 100 * MS;	/* 100 ms after the last live frame */
	for(guint i = 0; i < G_N_ELEMENTS(c); i++) {
		out o = replay_raw(&rw, c[i].seq, c[i].ts, c[i].m, i == 0, now);
		g_assert_cmpuint((guint16)(o.seq - last.seq), ==, i + 1);
		g_assert_cmpuint(o.ts - last.ts, ==, c[i].want);
		g_assert_cmpint(ms_rewrite_frame_open(&rw), ==, !c[i].m);
		now += 10;	/* a burst is fast */
	}
	g_assert_true(rw.replaying);
	ms_rewrite_rebase(&rw, TRUE);
	/* First live frame 20 ms after the burst's last timestamp went out */
	gint64 burst_end = rw.ts_wall;
	out l1 = live_raw(&rw, 7007, 918000, TRUE, burst_end + 20 * MS);
	g_assert_true(l1.sent);
	g_assert_cmpuint((guint16)(l1.seq - last.seq), ==, G_N_ELEMENTS(c) + 1);
	g_assert_cmpuint(l1.ts - last.ts, ==, 9002 + 1800);
	/* Later live frames keep the source's spacing */
	out l2 = live_raw(&rw, 7008, 924000, TRUE, burst_end + 21 * MS);
	g_assert_cmpuint(l2.ts - l1.ts, ==, 6000);
	g_assert_cmpuint((guint16)(l2.seq - l1.seq), ==, 1);
	/* A second burst right away: still at least 1 tick forward */
	out r = replay_raw(&rw, 7000, 900000, TRUE, TRUE, rw.ts_wall);
	g_assert_cmpuint(r.ts - l2.ts, ==, 1);
	/* Live without any rebase call after a replay is re-anchored too */
	out l3 = live_raw(&rw, 7009, 930000, TRUE, rw.ts_wall + 5 * MS);
	g_assert_cmpuint(l3.ts - r.ts, ==, 450);
}

/* A replay that ends inside a frame: the live packets finishing that frame
 * keep its timestamp; cached packets arriving live again are dropped. */
static void test_replay_continuation(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	live_raw(&rw, 1, 1, TRUE, 0);
	out r1 = replay_raw(&rw, 300, 60000, TRUE, TRUE, 50 * MS);
	out r2 = replay_raw(&rw, 301, 66000, FALSE, FALSE, 50 * MS);
	g_assert_true(ms_rewrite_frame_open(&rw));
	g_assert_cmpuint(r2.ts - r1.ts, ==, 1);
	ms_rewrite_rebase(&rw, TRUE);
	/* Already sent by the replay: dropped, state untouched */
	g_assert_false(live_raw(&rw, 301, 66000, FALSE, 60 * MS).sent);
	g_assert_false(live_raw(&rw, 300, 60000, TRUE, 60 * MS).sent);
	g_assert_cmpuint(rw.seq, ==, r2.seq);
	out l1 = live_raw(&rw, 302, 66000, TRUE, 60 * MS);
	g_assert_true(l1.sent);
	g_assert_cmpuint(l1.ts, ==, r2.ts);
	g_assert_cmpuint((guint16)(l1.seq - r2.seq), ==, 1);
	g_assert_false(ms_rewrite_frame_open(&rw));
	out l2 = live_raw(&rw, 303, 72000, TRUE, 120 * MS);
	g_assert_cmpuint(l2.ts - l1.ts, ==, 6000);
}

/* Same source after its replay, packets lost in between: the loss stays
 * visible (seq gap) instead of being papered over. */
static void test_replay_then_loss(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	out r1 = replay_raw(&rw, 10, 6000, TRUE, TRUE, 0);
	ms_rewrite_rebase(&rw, TRUE);
	out l1 = live_raw(&rw, 13, 12000, TRUE, 10 * MS);
	g_assert_cmpuint((guint16)(l1.seq - r1.seq), ==, 3);
	g_assert_cmpuint(l1.ts - r1.ts, ==, 900);
	/* A different source after a rebase(FALSE): +1, whatever its numbers */
	ms_rewrite_rebase(&rw, FALSE);
	out l2 = live_raw(&rw, 20, 12000, TRUE, 20 * MS);
	g_assert_cmpuint((guint16)(l2.seq - l1.seq), ==, 1);
	g_assert_cmpuint(l2.ts - l1.ts, ==, 900);
}

/* Padding between frames takes the next numbers; live and replayed
 * packets after it keep counting from it (no sequence number twice, none
 * left out), and it is never sent inside a frame, before the first packet
 * or inside a replay. */
static void test_padding(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	guint8 pad[MS_RTP_HEADER_LEN + 255];
	g_assert_cmpuint(ms_rewrite_padding(&rw, pad, 255), ==, 0);	/* nothing sent yet */
	src s = { 0xcafe, 100, 9000 };
	out a = live_next(&rw, &s, 0);
	g_assert_cmpuint(ms_rewrite_padding(&rw, pad, 0), ==, 0);
	g_assert_cmpuint(ms_rewrite_padding(&rw, pad, 256), ==, 0);
	for(guint i = 1; i <= 3; i++) {
		g_assert_cmpuint(ms_rewrite_padding(&rw, pad, 255), ==, MS_RTP_HEADER_LEN + 255);
		out p = check_pkt(pad, TRUE);
		g_assert_cmpuint((guint16)(p.seq - a.seq), ==, i);
		g_assert_cmpuint(p.ts, ==, a.ts);
		g_assert_false(p.marker);
		g_assert_cmpuint(pad[0], ==, 0xa0);	/* v2, padding */
		g_assert_cmpuint(pad[MS_RTP_HEADER_LEN + 254], ==, 255);
		gsize off = 0, plen = 1;
		g_assert_true(ms_rtp_parse(pad, MS_RTP_HEADER_LEN + 255, &off, &plen));
		g_assert_cmpuint(plen, ==, 0);
	}
	/* live continues after it, with the source's gaps */
	out b = live_next(&rw, &s, 66 * MS);
	g_assert_cmpuint((guint16)(b.seq - a.seq), ==, 4);
	s.seq++;
	out c = live_next(&rw, &s, 133 * MS);
	g_assert_cmpuint((guint16)(c.seq - b.seq), ==, 2);
	/* not inside a frame */
	live_raw(&rw, s.seq, s.ts, FALSE, 140 * MS);
	g_assert_cmpuint(ms_rewrite_padding(&rw, pad, 255), ==, 0);
	out d = live_raw(&rw, (guint16)(s.seq + 1), s.ts, TRUE, 141 * MS);
	g_assert_cmpuint(ms_rewrite_padding(&rw, pad, 100), ==, MS_RTP_HEADER_LEN + 100);
	g_assert_cmpuint((guint16)(ms_rtp_seq(pad) - d.seq), ==, 1);
	/* a replay after padding: +1 from it; none inside the replay */
	out r = replay_raw(&rw, 500, 1000, TRUE, TRUE, 150 * MS);
	g_assert_cmpuint((guint16)(r.seq - d.seq), ==, 2);
	g_assert_cmpuint(ms_rewrite_padding(&rw, pad, 255), ==, 0);
	ms_rewrite_rebase(&rw, TRUE);
	g_assert_cmpuint(ms_rewrite_padding(&rw, pad, 255), ==, MS_RTP_HEADER_LEN + 255);
	out l = live_raw(&rw, 501, 4000, TRUE, 160 * MS);
	g_assert_cmpuint((guint16)(l.seq - r.seq), ==, 2);
}

static void test_reanchor_on_jump(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	out p = live_raw(&rw, 100, 10000, TRUE, 0);
	p = live_raw(&rw, 101, 16000, TRUE, 66 * MS);
	/* 4 s ahead is a pause, kept */
	out o = live_raw(&rw, 102, 16000 + 4 * 90000, TRUE, 70 * MS);
	g_assert_cmpuint(o.ts - p.ts, ==, 4 * 90000);
	p = o;
	struct { guint16 seq; guint32 ts; } jumps[] = {
		{ 103, 16000 + 4 * 90000 + 10 * 90000 },	/* ts 10 s ahead */
		{ 105, 5 },					/* ts backwards */
		{ 5106, 6005 },					/* seq 5000 ahead */
		{ 40000, 12005 },				/* seq far behind */
	};
	gint64 now = 70 * MS;
	for(guint i = 0; i < G_N_ELEMENTS(jumps); i++) {
		now += 30 * MS;
		o = live_raw(&rw, jumps[i].seq, jumps[i].ts, TRUE, now);
		g_assert_true(o.sent);
		g_assert_cmpuint((guint16)(o.seq - p.seq), ==, 1);
		g_assert_cmpuint(o.ts - p.ts, ==, 2700);
		p = o;
		/* Re-anchored: the next packet follows the source again */
		o = live_raw(&rw, jumps[i].seq + 1, jumps[i].ts + 3000, TRUE, now);
		g_assert_cmpuint((guint16)(o.seq - p.seq), ==, 1);
		g_assert_cmpuint(o.ts - p.ts, ==, 3000);
		p = o;
	}
}

static void test_drop_older(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	live_raw(&rw, 200, 30000, TRUE, 0);
	live_raw(&rw, 201, 36000, FALSE, 0);
	out p = live_raw(&rw, 202, 36000, TRUE, 0);
	ms_rewrite saved;
	memcpy(&saved, &rw, sizeof(rw));
	/* Duplicate of the last packet, older packets of this and the last frame */
	g_assert_false(live_raw(&rw, 202, 36000, TRUE, 5 * MS).sent);
	g_assert_false(live_raw(&rw, 201, 36000, FALSE, 5 * MS).sent);
	g_assert_false(live_raw(&rw, 199, 24000, TRUE, 5 * MS).sent);
	g_assert_true(memcmp(&saved, &rw, sizeof(rw)) == 0);
	/* The stream goes on where it was */
	out o = live_raw(&rw, 203, 42000, TRUE, 66 * MS);
	g_assert_cmpuint((guint16)(o.seq - p.seq), ==, 1);
	g_assert_cmpuint(o.ts - p.ts, ==, 6000);
}

static void test_frame_open_and_invalid(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	g_assert_false(ms_rewrite_frame_open(&rw));
	live_raw(&rw, 1, 0, FALSE, 0);
	g_assert_true(ms_rewrite_frame_open(&rw));
	live_raw(&rw, 2, 0, TRUE, 0);
	g_assert_false(ms_rewrite_frame_open(&rw));
	/* Shorter than an RTP header: dropped, nothing changes (packets are
	 * validated once where they enter the plugin, not here) */
	ms_rewrite saved;
	memcpy(&saved, &rw, sizeof(rw));
	guint8 junk[16] = { 0x80, 0x60, 0x00, 0x03 };
	g_assert_false(ms_rewrite_live(&rw, junk, 11, 0));
	g_assert_false(ms_rewrite_live(&rw, junk, 5, 0));
	ms_rewrite_replay(&rw, junk, 11, TRUE, 0);
	g_assert_true(memcmp(&saved, &rw, sizeof(rw)) == 0);
	g_assert_cmpuint(junk[3], ==, 3);
	/* The payload type is rewritten, the marker kept */
	guint8 buf[16];
	make_pkt(buf, 9, 3, 0, TRUE);
	buf[1] = 0x80 | 111;
	g_assert_true(ms_rewrite_live(&rw, buf, sizeof(buf), 0));
	g_assert_cmpuint(buf[1], ==, 0x80 | PT);
}

/* Hundreds of switches with replays of 2 s old caches: media time keeps
 * tracking wall time (it does not gain the caches' age at each switch). */
static void test_no_drift(void)
{
	ms_rewrite rw;
	ms_rewrite_init(&rw, SSRC, PT);
	src s = { 1, 0, 0 };
	gint64 now = 0;
	out first = live_next(&rw, &s, now);
	out prev = first;
	guint switches = 300, frames = 30;
	for(guint k = 0; k < switches; k++) {
		for(guint i = 0; i < 10; i++) {
			now += 66666;
			prev = live_next(&rw, &s, now);
		}
		now += 20 * MS;
		src c = { 2 + k, (guint16)(k * 1000), k * 7777777u };
		for(guint i = 0; i < frames; i++) {
			guint8 buf[16];
			gsize len = make_pkt(buf, c.ssrc, c.seq++, c.ts, TRUE);
			c.ts += 6000;
			ms_rewrite_replay(&rw, buf, len, i == 0, now);
			out o = check_pkt(buf, TRUE);
			g_assert_cmpuint((guint16)(o.seq - prev.seq), ==, 1);
			g_assert_cmpint((gint32)(o.ts - prev.ts), >=, 1);
			prev = o;
		}
		s = c;
		ms_rewrite_rebase(&rw, TRUE);
	}
	gint64 media = (gint64)(guint32)(prev.ts - first.ts);
	gint64 wall = now * 9 / 100;
	/* At most the replayed frames' ticks and a rounding tick per switch */
	g_assert_cmpint(media - wall, <=, (gint64)switches * (frames + 1));
	g_assert_cmpint(media - wall, >=, -(gint64)switches * 2);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/rewrite/first-packet", test_first_packet);
	g_test_add_func("/ms/rewrite/live-spacing-and-gaps", test_live_spacing_and_gaps);
	g_test_add_func("/ms/rewrite/seq-wrap", test_seq_wrap);
	g_test_add_func("/ms/rewrite/ts-wrap", test_ts_wrap);
	g_test_add_func("/ms/rewrite/switch-far-behind-ahead", test_switch_far_behind_ahead);
	g_test_add_func("/ms/rewrite/switch-random", test_switch_random);
	g_test_add_func("/ms/rewrite/replay-arithmetic", test_replay_arithmetic);
	g_test_add_func("/ms/rewrite/replay-continuation", test_replay_continuation);
	g_test_add_func("/ms/rewrite/replay-then-loss", test_replay_then_loss);
	g_test_add_func("/ms/rewrite/padding", test_padding);
	g_test_add_func("/ms/rewrite/reanchor-on-jump", test_reanchor_on_jump);
	g_test_add_func("/ms/rewrite/drop-older", test_drop_older);
	g_test_add_func("/ms/rewrite/frame-open-and-invalid", test_frame_open_and_invalid);
	g_test_add_func("/ms/rewrite/no-drift", test_no_drift);
	return g_test_run();
}
