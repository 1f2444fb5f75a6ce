/* test_h265.c: H265 payload inspection (ms_h265): single NAL units of
 * every type, aggregation packets, fragmentation units, malformed and
 * truncated input; the codec table's h265 facts; and the stream ffmpeg's
 * RTP muxer makes of libx265 output through the GOP cache. */
#include <string.h>

#include <glib.h>

#include "ms_codec.h"
#include "ms_gop.h"
#include "ms_h265.h"
#include "ms_rtp.h"

#define PARAMS (MS_H265_VPS | MS_H265_SPS | MS_H265_PPS)
#define ALL (PARAMS | MS_H265_IRAP | MS_H265_IRAP_CONT | MS_H265_SLICE)

/* Inspect a copy of buf in an allocation of exactly len bytes, so that a
 * read past len is caught by ASan/valgrind when the tests run under them.
 * The codec table's facts must say the same. */
static guint inspect_exact(const guint8 *buf, gsize len)
{
	guint8 *copy = g_memdup2(buf, len);
	guint flags = ms_h265_inspect(copy, len);
	guint facts = ms_codec_h265.inspect(copy, len);
	g_assert_cmpint((facts & MS_PKT_PARAMS) != 0, ==, (flags & PARAMS) != 0);
	g_assert_cmpint((facts & MS_PKT_PARAMS_FIRST) != 0, ==, (flags & MS_H265_VPS) != 0);
	g_assert_cmpint((facts & MS_PKT_KEY) != 0, ==, (flags & MS_H265_IRAP) != 0);
	g_assert_cmpint((facts & MS_PKT_KEY_CONT) != 0, ==, (flags & MS_H265_IRAP_CONT) != 0);
	g_assert_cmpint((facts & MS_PKT_SLICE) != 0, ==, (flags & MS_H265_SLICE) != 0);
	g_free(copy);
	return flags;
}

/* What a single NAL unit of that type reports. */
static guint want_single(guint type)
{
	if(type <= 9)
		return MS_H265_SLICE;
	if(type >= 16 && type <= 21)
		return MS_H265_IRAP;
	if(type == 32)
		return MS_H265_VPS;
	if(type == 33)
		return MS_H265_SPS;
	if(type == 34)
		return MS_H265_PPS;
	return 0;
}

static void test_single_nal(void)
{
	/* Every type, TID 1, base layer: VCL 0-9 and IRAP 16-21 report, the
	 * reserved VCL types (10-15, 22-31), SEI/AUD/EOS/EOB/FD (35-40), the
	 * reserved 41-47 and the RTP-only/unspecified types (48-63) with a
	 * plain payload do not */
	for(guint t = 0; t < 64; t++) {
		if(t == 48 || t == 49)
			continue;	/* AP and FU: below */
		guint8 nal[] = { (guint8)(t << 1), 0x01, 0xaf, 0x09 };
		g_assert_cmpuint(inspect_exact(nal, sizeof(nal)), ==, want_single(t));
		/* The 2-byte header alone still says what it is */
		g_assert_cmpuint(inspect_exact(nal, 2), ==, want_single(t));
	}
	const guint8 vps[] = { 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff };
	const guint8 sps[] = { 0x42, 0x01, 0x01, 0x01, 0x60, 0x00 };
	const guint8 pps[] = { 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62 };
	const guint8 idr_w_radl[] = { 0x26, 0x01, 0xaf, 0x06 };
	const guint8 idr_n_lp[] = { 0x28, 0x01, 0xaf, 0x06 };
	const guint8 cra[] = { 0x2a, 0x01, 0xaf, 0x06 };
	const guint8 bla_w_lp[] = { 0x20, 0x01, 0xaf };
	const guint8 trail_r[] = { 0x02, 0x01, 0xd0, 0x09 };
	const guint8 trail_n[] = { 0x00, 0x01, 0xd0, 0x09 };
	const guint8 rasl_n[] = { 0x10, 0x01, 0xd0 };
	const guint8 prefix_sei[] = { 0x4e, 0x01, 0x05, 0xff };
	const guint8 suffix_sei[] = { 0x50, 0x01, 0x84, 0x31 };
	const guint8 aud[] = { 0x46, 0x01, 0x50 };
	const guint8 paci[] = { 0x64, 0x01, 0x26, 0x01, 0xaf };
	g_assert_cmpuint(inspect_exact(vps, sizeof(vps)), ==, MS_H265_VPS);
	g_assert_cmpuint(inspect_exact(sps, sizeof(sps)), ==, MS_H265_SPS);
	g_assert_cmpuint(inspect_exact(pps, sizeof(pps)), ==, MS_H265_PPS);
	g_assert_cmpuint(inspect_exact(idr_w_radl, sizeof(idr_w_radl)), ==, MS_H265_IRAP);
	g_assert_cmpuint(inspect_exact(idr_n_lp, sizeof(idr_n_lp)), ==, MS_H265_IRAP);
	g_assert_cmpuint(inspect_exact(cra, sizeof(cra)), ==, MS_H265_IRAP);
	g_assert_cmpuint(inspect_exact(bla_w_lp, sizeof(bla_w_lp)), ==, MS_H265_IRAP);
	g_assert_cmpuint(inspect_exact(trail_r, sizeof(trail_r)), ==, MS_H265_SLICE);
	g_assert_cmpuint(inspect_exact(trail_n, sizeof(trail_n)), ==, MS_H265_SLICE);
	g_assert_cmpuint(inspect_exact(rasl_n, sizeof(rasl_n)), ==, MS_H265_SLICE);
	g_assert_cmpuint(inspect_exact(prefix_sei, sizeof(prefix_sei)), ==, 0);
	g_assert_cmpuint(inspect_exact(suffix_sei, sizeof(suffix_sei)), ==, 0);
	g_assert_cmpuint(inspect_exact(aud, sizeof(aud)), ==, 0);
	/* PACI is never negotiated: not even the IDR it wraps counts */
	g_assert_cmpuint(inspect_exact(paci, sizeof(paci)), ==, 0);
}

static void test_header_fields(void)
{
	/* Any TID 1-7 is fine, TID 0 (nuh_temporal_id_plus1 == 0) is not */
	for(guint tid = 0; tid < 8; tid++) {
		guint8 idr[] = { 0x26, (guint8)tid, 0xaf };
		g_assert_cmpuint(inspect_exact(idr, sizeof(idr)), ==, tid == 0 ? 0 : MS_H265_IRAP);
	}
	/* F bit set: a syntax violation */
	const guint8 f_idr[] = { 0xa6, 0x01, 0xaf };
	const guint8 f_vps[] = { 0xc0, 0x01, 0x0c };
	g_assert_cmpuint(inspect_exact(f_idr, sizeof(f_idr)), ==, 0);
	g_assert_cmpuint(inspect_exact(f_vps, sizeof(f_vps)), ==, 0);
	/* Layer id other than 0 (low bits of byte 1, and its top bit in byte
	 * 0): not the base layer, no facts */
	const guint8 layer1[] = { 0x26, 0x09, 0xaf };
	const guint8 layer32[] = { 0x27, 0x01, 0xaf };
	const guint8 layer63[] = { 0x41, 0xf9, 0x0c };
	g_assert_cmpuint(inspect_exact(layer1, sizeof(layer1)), ==, 0);
	g_assert_cmpuint(inspect_exact(layer32, sizeof(layer32)), ==, 0);
	g_assert_cmpuint(inspect_exact(layer63, sizeof(layer63)), ==, 0);
}

/* One AP with VPS, SPS and PPS, as ffmpeg's RTP muxer aggregates the
 * parameter sets libx265 repeats before every keyframe (payload header
 * 0x60 0x01: type 48, layer 0, TID 1). */
static const guint8 ap_params[] = { 0x60, 0x01,
	0x00, 0x06, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff,
	0x00, 0x06, 0x42, 0x01, 0x01, 0x01, 0x60, 0x00,
	0x00, 0x06, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62 };

static void test_ap(void)
{
	g_assert_cmpuint(inspect_exact(ap_params, sizeof(ap_params)), ==, PARAMS);
	/* A truncation is malformed unless it falls on a NAL boundary (then
	 * it is a valid, shorter AP) */
	for(gsize l = 0; l < sizeof(ap_params); l++) {
		guint want = 0;
		if(l == 10)
			want = MS_H265_VPS;
		else if(l == 18)
			want = MS_H265_VPS | MS_H265_SPS;
		g_assert_cmpuint(inspect_exact(ap_params, l), ==, want);
	}
	const guint8 all[] = { 0x60, 0x01,
		0x00, 0x02, 0x40, 0x01,
		0x00, 0x03, 0x4e, 0x01, 0x05,
		0x00, 0x03, 0x26, 0x01, 0xaf };
	g_assert_cmpuint(inspect_exact(all, sizeof(all)), ==, MS_H265_VPS | MS_H265_IRAP);
	const guint8 slices[] = { 0x60, 0x01, 0x00, 0x03, 0x02, 0x01, 0xd0,
		0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0x46, 0x01 };
	g_assert_cmpuint(inspect_exact(slices, sizeof(slices)), ==, MS_H265_SLICE);
	/* Size past the end, zero size, trailing byte, a NAL shorter than its
	 * 2-byte header: the whole packet is malformed */
	const guint8 too_long[] = { 0x60, 0x01, 0x00, 0x09, 0x40, 0x01, 0x0c };
	const guint8 zero[] = { 0x60, 0x01, 0x00, 0x00, 0x00, 0x02, 0x40, 0x01 };
	const guint8 trailing[] = { 0x60, 0x01, 0x00, 0x02, 0x40, 0x01, 0x00 };
	const guint8 tiny[] = { 0x60, 0x01, 0x00, 0x02, 0x40, 0x01, 0x00, 0x01, 0x26 };
	const guint8 bare[] = { 0x60, 0x01 };
	g_assert_cmpuint(inspect_exact(too_long, sizeof(too_long)), ==, 0);
	g_assert_cmpuint(inspect_exact(zero, sizeof(zero)), ==, 0);
	g_assert_cmpuint(inspect_exact(trailing, sizeof(trailing)), ==, 0);
	g_assert_cmpuint(inspect_exact(tiny, sizeof(tiny)), ==, 0);
	g_assert_cmpuint(inspect_exact(bare, sizeof(bare)), ==, 0);
	/* Nested APs/FUs/PACIs are not looked into; aggregated NALs with F,
	 * TID 0 or another layer count for nothing, the rest still counts */
	const guint8 nested[] = { 0x60, 0x01,
		0x00, 0x04, 0x60, 0x01, 0x00, 0x00,
		0x00, 0x04, 0x62, 0x01, 0x93, 0xaf,
		0x00, 0x04, 0x64, 0x01, 0x26, 0x01 };
	g_assert_cmpuint(inspect_exact(nested, sizeof(nested)), ==, 0);
	const guint8 bad_inner[] = { 0x60, 0x01,
		0x00, 0x02, 0xa6, 0x01,
		0x00, 0x02, 0x26, 0x00,
		0x00, 0x02, 0x26, 0x09,
		0x00, 0x02, 0x44, 0x01 };
	g_assert_cmpuint(inspect_exact(bad_inner, sizeof(bad_inner)), ==, MS_H265_PPS);
	/* The AP's own header: F, TID 0, another layer */
	guint8 hdr[sizeof(ap_params)];
	memcpy(hdr, ap_params, sizeof(hdr));
	hdr[0] = 0xe0;
	g_assert_cmpuint(inspect_exact(hdr, sizeof(hdr)), ==, 0);
	hdr[0] = 0x60;
	hdr[1] = 0x00;
	g_assert_cmpuint(inspect_exact(hdr, sizeof(hdr)), ==, 0);
	hdr[1] = 0x09;
	g_assert_cmpuint(inspect_exact(hdr, sizeof(hdr)), ==, 0);
}

static void test_fu(void)
{
	/* FU payload header 0x62 0x01 (type 49, layer 0, TID 1), FU header
	 * S E FuType */
	const guint8 idr_start[] = { 0x62, 0x01, 0x93, 0xaf, 0x06 };
	const guint8 idr_mid[] = { 0x62, 0x01, 0x13, 0x11, 0x22 };
	const guint8 idr_end[] = { 0x62, 0x01, 0x53, 0x33 };
	const guint8 cra_start[] = { 0x62, 0x01, 0x95, 0xaf };
	const guint8 cra_mid[] = { 0x62, 0x01, 0x15, 0x44 };
	const guint8 cra_end[] = { 0x62, 0x01, 0x55, 0x44 };
	const guint8 trail_start[] = { 0x62, 0x01, 0x81, 0xd0 };
	const guint8 trail_mid[] = { 0x62, 0x01, 0x01, 0xd0 };
	const guint8 trail_end[] = { 0x62, 0x01, 0x41, 0xd0 };
	const guint8 sei_start[] = { 0x62, 0x01, 0xa7, 0x05 };
	const guint8 sei_end[] = { 0x62, 0x01, 0x67, 0x80 };
	const guint8 vps_start[] = { 0x62, 0x01, 0xa0, 0x0c };
	const guint8 vps_end[] = { 0x62, 0x01, 0x60, 0x0c };
	g_assert_cmpuint(inspect_exact(idr_start, sizeof(idr_start)), ==, MS_H265_IRAP);
	g_assert_cmpuint(inspect_exact(idr_mid, sizeof(idr_mid)), ==, MS_H265_IRAP_CONT);
	g_assert_cmpuint(inspect_exact(idr_end, sizeof(idr_end)), ==, MS_H265_IRAP_CONT);
	g_assert_cmpuint(inspect_exact(cra_start, sizeof(cra_start)), ==, MS_H265_IRAP);
	g_assert_cmpuint(inspect_exact(cra_mid, sizeof(cra_mid)), ==, MS_H265_IRAP_CONT);
	g_assert_cmpuint(inspect_exact(cra_end, sizeof(cra_end)), ==, MS_H265_IRAP_CONT);
	g_assert_cmpuint(inspect_exact(trail_start, sizeof(trail_start)), ==, MS_H265_SLICE);
	g_assert_cmpuint(inspect_exact(trail_mid, sizeof(trail_mid)), ==, 0);
	g_assert_cmpuint(inspect_exact(trail_end, sizeof(trail_end)), ==, 0);
	g_assert_cmpuint(inspect_exact(sei_start, sizeof(sei_start)), ==, 0);
	g_assert_cmpuint(inspect_exact(sei_end, sizeof(sei_end)), ==, 0);
	/* A fragmented VPS still counts when it starts */
	g_assert_cmpuint(inspect_exact(vps_start, sizeof(vps_start)), ==, MS_H265_VPS);
	g_assert_cmpuint(inspect_exact(vps_end, sizeof(vps_end)), ==, 0);
	/* Every IRAP type continues as IRAP_CONT, nothing else does */
	for(guint t = 0; t < 48; t++) {
		guint8 mid[] = { 0x62, 0x01, (guint8)t, 0x00 };
		guint8 start[] = { 0x62, 0x01, (guint8)(0x80 | t), 0x00 };
		gboolean irap = t >= 16 && t <= 21;
		g_assert_cmpuint(inspect_exact(mid, sizeof(mid)), ==, irap ? MS_H265_IRAP_CONT : 0);
		g_assert_cmpuint(inspect_exact(start, sizeof(start)), ==, want_single(t));
	}
	/* Truncated: no FU header, no fragment data */
	g_assert_cmpuint(inspect_exact(idr_start, 2), ==, 0);
	g_assert_cmpuint(inspect_exact(idr_start, 3), ==, 0);
	g_assert_cmpuint(inspect_exact(idr_start, 4), ==, MS_H265_IRAP);
	/* A fragment of an AP, an FU or a PACI is invalid */
	for(guint t = 48; t <= 50; t++) {
		guint8 start[] = { 0x62, 0x01, (guint8)(0x80 | t), 0x60, 0x01 };
		guint8 mid[] = { 0x62, 0x01, (guint8)t, 0x60, 0x01 };
		guint8 end[] = { 0x62, 0x01, (guint8)(0x40 | t), 0x60, 0x01 };
		g_assert_cmpuint(inspect_exact(start, sizeof(start)), ==, 0);
		g_assert_cmpuint(inspect_exact(mid, sizeof(mid)), ==, 0);
		g_assert_cmpuint(inspect_exact(end, sizeof(end)), ==, 0);
	}
	/* The FU payload header's own F, TID 0 or layer */
	const guint8 f_fu[] = { 0xe2, 0x01, 0x93, 0xaf };
	const guint8 tid0_fu[] = { 0x62, 0x00, 0x93, 0xaf };
	const guint8 layer_fu[] = { 0x63, 0x01, 0x93, 0xaf };
	g_assert_cmpuint(inspect_exact(f_fu, sizeof(f_fu)), ==, 0);
	g_assert_cmpuint(inspect_exact(tid0_fu, sizeof(tid0_fu)), ==, 0);
	g_assert_cmpuint(inspect_exact(layer_fu, sizeof(layer_fu)), ==, 0);
}

static void test_empty(void)
{
	const guint8 idr[] = { 0x26, 0x01 };
	g_assert_cmpuint(ms_h265_inspect(NULL, 0), ==, 0);
	g_assert_cmpuint(ms_h265_inspect(NULL, 10), ==, 0);
	g_assert_cmpuint(ms_h265_inspect(idr, 0), ==, 0);
	g_assert_cmpuint(inspect_exact(idr, 1), ==, 0);
	g_assert_cmpuint(inspect_exact(idr, 2), ==, MS_H265_IRAP);
	g_assert_cmpuint(ms_codec_h265.inspect(NULL, 0), ==, 0);
}

static void test_codec_facts(void)
{
	const ms_codec *c = &ms_codec_h265;
	g_assert_cmpstr(c->name, ==, "h265");
	g_assert_cmpstr(c->rtpmap, ==, "H265/90000");
	g_assert_true(ms_codec_by_name("h265") == c);
	g_assert_true(ms_codec_by_name("H265") == c);
	g_assert_true(ms_codec_by_name("h264") == &ms_codec_h264);
	const guint8 sps[] = { 0x42, 0x01, 0x01, 0x01 };
	const guint8 pps[] = { 0x44, 0x01, 0xc1, 0x72 };
	const guint8 vps[] = { 0x40, 0x01, 0x0c, 0x01 };
	const guint8 cra[] = { 0x2a, 0x01, 0xaf };
	const guint8 idr_mid[] = { 0x62, 0x01, 0x13, 0x11 };
	const guint8 trail[] = { 0x02, 0x01, 0xd0 };
	const guint8 sei[] = { 0x4e, 0x01, 0x05 };
	g_assert_cmpuint(c->inspect(ap_params, sizeof(ap_params)), ==, MS_PKT_PARAMS_FIRST | MS_PKT_PARAMS);
	g_assert_cmpuint(c->inspect(vps, sizeof(vps)), ==, MS_PKT_PARAMS_FIRST | MS_PKT_PARAMS);
	g_assert_cmpuint(c->inspect(sps, sizeof(sps)), ==, MS_PKT_PARAMS);
	g_assert_cmpuint(c->inspect(pps, sizeof(pps)), ==, MS_PKT_PARAMS);
	g_assert_cmpuint(c->inspect(cra, sizeof(cra)), ==, MS_PKT_KEY);
	g_assert_cmpuint(c->inspect(idr_mid, sizeof(idr_mid)), ==, MS_PKT_KEY_CONT);
	g_assert_cmpuint(c->inspect(trail, sizeof(trail)), ==, MS_PKT_SLICE);
	g_assert_cmpuint(c->inspect(sei, sizeof(sei)), ==, 0);
}

/* ---------- the stream ffmpeg -c:v libx265 -f rtp sends ---------- */

/* Payloads, in the order they come: keyframe = AP(VPS, SPS, PPS), the
 * x265 info SEI (prefix SEI, type 39) fragmented, the IRAP fragmented;
 * the first keyframe is an IDR_W_RADL, later ones are CRAs (open GOP). */
enum { F_AP, F_SEI_S, F_SEI_E, F_IDR_S, F_IDR_M, F_IDR_E, F_CRA_S, F_CRA_E, F_TRAIL, F_TRAIL_S, F_TRAIL_E };

static gsize make_pkt(guint8 *buf, guint16 seq, guint32 ts, int kind)
{
	static const guint8 sei_s[] = { 0x62, 0x01, 0xa7, 0x05, 0xff, 0x2c };
	static const guint8 sei_e[] = { 0x62, 0x01, 0x67, 0x78, 0x32, 0x36, 0x35, 0x80 };
	static const guint8 idr_s[] = { 0x62, 0x01, 0x93, 0xaf, 0x06, 0xb8 };
	static const guint8 idr_m[] = { 0x62, 0x01, 0x13, 0x11, 0x22 };
	static const guint8 idr_e[] = { 0x62, 0x01, 0x53, 0x33 };
	static const guint8 cra_s[] = { 0x62, 0x01, 0x95, 0xaf, 0x06 };
	static const guint8 cra_e[] = { 0x62, 0x01, 0x55, 0x44 };
	static const guint8 trail[] = { 0x02, 0x01, 0xd0, 0x09 };
	static const guint8 trail_s[] = { 0x62, 0x01, 0x81, 0xd0 };
	static const guint8 trail_e[] = { 0x62, 0x01, 0x41, 0x09 };
	static const struct { const guint8 *p; gsize n; gboolean marker; } tab[] = {
		{ ap_params, sizeof(ap_params), FALSE },
		{ sei_s, sizeof(sei_s), FALSE }, { sei_e, sizeof(sei_e), FALSE },
		{ idr_s, sizeof(idr_s), FALSE }, { idr_m, sizeof(idr_m), FALSE }, { idr_e, sizeof(idr_e), TRUE },
		{ cra_s, sizeof(cra_s), FALSE }, { cra_e, sizeof(cra_e), TRUE },
		{ trail, sizeof(trail), TRUE },
		{ trail_s, sizeof(trail_s), FALSE }, { trail_e, sizeof(trail_e), TRUE },
	};
	memset(buf, 0, 12);
	buf[0] = 0x80;
	buf[1] = (guint8)((tab[kind].marker ? 0x80 : 0) | 96);
	ms_rtp_set_seq(buf, seq);
	ms_rtp_set_ts(buf, ts);
	ms_rtp_set_ssrc(buf, 0x11223344);
	memcpy(buf + 12, tab[kind].p, tab[kind].n);
	return 12 + tab[kind].n;
}

static guint push(ms_gop *g, guint16 seq, guint32 ts, int kind, guint *facts)
{
	guint8 buf[64];
	gsize len = make_pkt(buf, seq, ts, kind);
	ms_packet p;
	g_assert_true(ms_packet_parse(&p, buf, len, &ms_codec_h265));
	if(facts != NULL)
		*facts = p.facts;
	return ms_gop_push(g, &p, (gint64)seq * 1000);
}

static void assert_payload_at(ms_gop *g, guint i, guint8 b0, guint8 b2)
{
	gsize len = 0;
	const guint8 *p = ms_gop_packet(g, i, &len);
	g_assert_nonnull(p);
	g_assert_cmpuint(len, >, 14);
	g_assert_cmpuint(p[12], ==, b0);
	g_assert_cmpuint(p[14], ==, b2);
}

static void test_ffmpeg_gop(void)
{
	ms_gop *g = ms_gop_new(4096, 64);
	guint f = 0;
	/* Before the first keyframe: ignored */
	g_assert_cmpuint(push(g, 1, 0, F_TRAIL, &f), ==, 0);
	g_assert_cmpuint(f, ==, MS_PKT_SLICE);
	/* The IDR: the AP starts the GOP, the SEI (facts 0) is kept, the IDR
	 * (same timestamp) joins */
	g_assert_cmpuint(push(g, 2, 1000, F_AP, &f), ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	g_assert_cmpuint(f, ==, MS_PKT_PARAMS_FIRST | MS_PKT_PARAMS);
	g_assert_true((f & MS_PKT_START) != 0);
	g_assert_cmpuint(push(g, 3, 1000, F_SEI_S, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, 0);
	g_assert_cmpuint(push(g, 4, 1000, F_SEI_E, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, 0);
	g_assert_false(ms_gop_ready(g, 4000, 0));
	g_assert_cmpuint(push(g, 5, 1000, F_IDR_S, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, MS_PKT_KEY);
	g_assert_true(ms_gop_ready(g, 5000, 0));
	g_assert_cmpuint(push(g, 6, 1000, F_IDR_M, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, MS_PKT_KEY_CONT);
	g_assert_cmpuint(push(g, 7, 1000, F_IDR_E, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, MS_PKT_KEY_CONT);
	g_assert_cmpuint(push(g, 8, 4000, F_TRAIL, NULL), ==, MS_GOP_STORED);
	g_assert_cmpuint(push(g, 9, 7000, F_TRAIL_S, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, MS_PKT_SLICE);
	g_assert_cmpuint(push(g, 10, 7000, F_TRAIL_E, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, 0);
	g_assert_cmpuint(ms_gop_count(g), ==, 9);
	assert_payload_at(g, 0, 0x60, 0x00);
	assert_payload_at(g, 1, 0x62, 0xa7);
	assert_payload_at(g, 2, 0x62, 0x67);
	assert_payload_at(g, 3, 0x62, 0x93);
	/* The next keyframe, a CRA: a new GOP at its AP */
	g_assert_cmpuint(push(g, 11, 10000, F_AP, NULL), ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	g_assert_cmpuint(ms_gop_count(g), ==, 1);
	g_assert_false(ms_gop_ready(g, 11000, 0));
	g_assert_cmpuint(push(g, 12, 10000, F_CRA_S, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, MS_PKT_KEY);
	g_assert_cmpuint(push(g, 13, 10000, F_CRA_E, &f), ==, MS_GOP_STORED);
	g_assert_cmpuint(f, ==, MS_PKT_KEY_CONT);
	g_assert_true(ms_gop_ready(g, 13000, 0));
	g_assert_cmpuint(ms_gop_count(g), ==, 3);
	assert_payload_at(g, 1, 0x62, 0x95);
	/* Parameter sets stamped on their own, then an SEI, then the CRA: the
	 * SEI does not end "only parameter sets so far", the CRA joins */
	g_assert_cmpuint(push(g, 14, 19000, F_AP, NULL), ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	g_assert_cmpuint(push(g, 15, 19000, F_SEI_S, NULL), ==, MS_GOP_STORED);
	g_assert_cmpuint(push(g, 16, 19000, F_SEI_E, NULL), ==, MS_GOP_STORED);
	g_assert_cmpuint(push(g, 17, 20000, F_CRA_S, NULL), ==, MS_GOP_STORED);
	g_assert_cmpuint(push(g, 18, 20000, F_CRA_E, NULL), ==, MS_GOP_STORED);
	g_assert_cmpuint(ms_gop_count(g), ==, 5);
	g_assert_true(ms_gop_ready(g, 18000, 0));
	ms_gop_free(g);
}

/* Every 1, 2 and 3 byte payload, and random payloads of every short
 * length (many of them APs and FUs), each in an exact-size allocation:
 * nothing crashes, only known flags, an AP too short to hold one NAL and
 * an FU without data report nothing. */
static void test_exhaustive_short(void)
{
	for(guint v = 0; v < 65536; v++) {
		guint8 b[3] = { (guint8)(v >> 8), (guint8)v, 0x80 };
		guint f1 = inspect_exact(b, 1), f2 = inspect_exact(b, 2), f3 = inspect_exact(b, 3);
		g_assert_cmpuint(f1, ==, 0);
		g_assert_cmpuint(f2 & ~(guint)ALL, ==, 0);
		guint8 type = (b[0] >> 1) & 0x3f;
		if(type == 48 || type == 49)
			g_assert_cmpuint(f2 | f3, ==, 0);
	}
	GRand *r = g_rand_new_with_seed(265);
	for(guint i = 0; i < 50000; i++) {
		guint8 b[64];
		gsize len = g_rand_int_range(r, 0, sizeof(b) + 1);
		for(gsize j = 0; j < len; j++)
			b[j] = (guint8)g_rand_int(r);
		if(len > 1 && g_rand_boolean(r)) {
			b[0] = (g_rand_boolean(r) ? 48 : 49) << 1;
			b[1] = 0x01;
		}
		guint f = inspect_exact(b, len);
		g_assert_cmpuint(f & ~(guint)ALL, ==, 0);
		if(len > 0 && ((b[0] >> 1) & 0x3f) == 48 && len < 6)
			g_assert_cmpuint(f, ==, 0);
	}
	g_rand_free(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/h265/single-nal", test_single_nal);
	g_test_add_func("/ms/h265/header-fields", test_header_fields);
	g_test_add_func("/ms/h265/ap", test_ap);
	g_test_add_func("/ms/h265/fu", test_fu);
	g_test_add_func("/ms/h265/empty", test_empty);
	g_test_add_func("/ms/h265/codec-facts", test_codec_facts);
	g_test_add_func("/ms/h265/ffmpeg-gop", test_ffmpeg_gop);
	g_test_add_func("/ms/h265/exhaustive-short", test_exhaustive_short);
	return g_test_run();
}
