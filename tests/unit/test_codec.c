/* test_codec.c: the codec table (ms_codec): lookup by name, and telling
 * H264 from H265 by the parameter sets a payload starts with
 * (ms_codec_sniff), including that no payload is a parameter set of
 * both. */
#include <string.h>

#include <glib.h>

#include "ms_codec.h"

/* Sniff a copy of buf in an allocation of exactly len bytes (reads past
 * len show under ASan/valgrind). A match is always a parameter set by the
 * codec's own inspection; the other codec sees no parameter set and no
 * keyframe in it (an H265 SPS 0x42 is an H264 type 2, a partition A slice). */
static const ms_codec *sniff_exact(const guint8 *buf, gsize len)
{
	guint8 *copy = g_memdup2(buf, len);
	const ms_codec *c = ms_codec_sniff(copy, len);
	guint f264 = ms_codec_h264.inspect(copy, len), f265 = ms_codec_h265.inspect(copy, len);
	g_assert_false((f264 & MS_PKT_PARAMS) && (f265 & MS_PKT_PARAMS));
	if(c == &ms_codec_h264) {
		g_assert_true(f264 & MS_PKT_PARAMS);
		g_assert_cmpuint(f265, ==, 0);
	} else if(c == &ms_codec_h265) {
		g_assert_true(f265 & MS_PKT_PARAMS);
		g_assert_cmpuint(f264 & ~(guint)MS_PKT_SLICE, ==, 0);
	} else {
		g_assert_null(c);
	}
	g_free(copy);
	return c;
}

static void test_by_name(void)
{
	g_assert_true(ms_codec_by_name("h264") == &ms_codec_h264);
	g_assert_true(ms_codec_by_name("H264") == &ms_codec_h264);
	g_assert_true(ms_codec_by_name("h265") == &ms_codec_h265);
	g_assert_true(ms_codec_by_name("H265") == &ms_codec_h265);
	g_assert_null(ms_codec_by_name("hevc"));
	g_assert_null(ms_codec_by_name("vp8"));
	g_assert_null(ms_codec_by_name(""));
	g_assert_null(ms_codec_by_name(NULL));
	g_assert_cmpstr(ms_codec_h264.rtpmap, ==, "H264/90000");
	g_assert_cmpstr(ms_codec_h265.rtpmap, ==, "H265/90000");
}

static void test_sniff_h264(void)
{
	const guint8 sps[] = { 0x67, 0x42, 0xc0, 0x1e };
	const guint8 pps[] = { 0x68, 0xce, 0x3c, 0x80 };
	const guint8 sps_nri0[] = { 0x07, 0x42, 0xc0, 0x1e };
	const guint8 stap[] = { 0x78,
		0x00, 0x04, 0x67, 0x42, 0xc0, 0x1e,
		0x00, 0x04, 0x68, 0xce, 0x3c, 0x80 };
	const guint8 stap_pps_first[] = { 0x78, 0x00, 0x02, 0x68, 0xce, 0x00, 0x02, 0x67, 0x42 };
	g_assert_true(sniff_exact(sps, sizeof(sps)) == &ms_codec_h264);
	g_assert_true(sniff_exact(sps, 1) == &ms_codec_h264);
	g_assert_true(sniff_exact(pps, sizeof(pps)) == &ms_codec_h264);
	g_assert_true(sniff_exact(sps_nri0, sizeof(sps_nri0)) == &ms_codec_h264);
	g_assert_true(sniff_exact(stap, sizeof(stap)) == &ms_codec_h264);
	g_assert_true(sniff_exact(stap_pps_first, sizeof(stap_pps_first)) == &ms_codec_h264);
	/* A PPS at any NRI with pic_parameter_set_id 0 (byte 1 >= 0x80) */
	for(guint nri = 0; nri < 4; nri++) {
		const guint8 p[] = { (guint8)((nri << 5) | 8), 0xce, 0x3c, 0x80 };
		g_assert_true(sniff_exact(p, sizeof(p)) == &ms_codec_h264);
	}
	/* A PPS whose second byte completes a base-layer H265 header (a
	 * pic_parameter_set_id >= 31): as H265 it is a picture or an EOS */
	const guint8 pps_id_63[] = { 0x68, 0x04, 0x01, 0x80 };
	g_assert_null(sniff_exact(pps_id_63, sizeof(pps_id_63)));
	/* Not starting with a parameter set: IDR, slice, SEI first in a
	 * STAP-A, a fragmented SPS */
	const guint8 idr[] = { 0x65, 0x88, 0x84 };
	const guint8 slice[] = { 0x41, 0x9a, 0x02 };
	const guint8 stap_sei_first[] = { 0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x67, 0x42 };
	const guint8 fu_sps[] = { 0x7c, 0x87, 0x42 };
	const guint8 fu_idr[] = { 0x7c, 0x85, 0x88 };
	g_assert_null(sniff_exact(idr, sizeof(idr)));
	g_assert_null(sniff_exact(slice, sizeof(slice)));
	g_assert_null(sniff_exact(stap_sei_first, sizeof(stap_sei_first)));
	g_assert_null(sniff_exact(fu_sps, sizeof(fu_sps)));
	g_assert_null(sniff_exact(fu_idr, sizeof(fu_idr)));
	/* Forbidden bit, malformed STAP-A (trailing byte, truncated) */
	const guint8 sps_forbidden[] = { 0xe7, 0x42 };
	const guint8 stap_trailing[] = { 0x78, 0x00, 0x02, 0x67, 0x42, 0x00 };
	const guint8 stap_forbidden_inner[] = { 0x78, 0x00, 0x02, 0xe7, 0x42, 0x00, 0x02, 0x68, 0xce };
	g_assert_null(sniff_exact(sps_forbidden, sizeof(sps_forbidden)));
	g_assert_null(sniff_exact(stap_trailing, sizeof(stap_trailing)));
	g_assert_null(sniff_exact(stap_forbidden_inner, sizeof(stap_forbidden_inner)));
	for(gsize l = 0; l < 4; l++)
		g_assert_null(sniff_exact(stap, l));
}

static void test_sniff_h265(void)
{
	const guint8 vps[] = { 0x40, 0x01, 0x0c, 0x01 };
	const guint8 sps[] = { 0x42, 0x01, 0x01, 0x01 };
	const guint8 pps[] = { 0x44, 0x01, 0xc1, 0x72 };
	const guint8 ap[] = { 0x60, 0x01,
		0x00, 0x04, 0x40, 0x01, 0x0c, 0x01,
		0x00, 0x04, 0x42, 0x01, 0x01, 0x01,
		0x00, 0x04, 0x44, 0x01, 0xc1, 0x72 };
	g_assert_true(sniff_exact(vps, sizeof(vps)) == &ms_codec_h265);
	g_assert_true(sniff_exact(vps, 2) == &ms_codec_h265);
	g_assert_true(sniff_exact(sps, sizeof(sps)) == &ms_codec_h265);
	g_assert_true(sniff_exact(pps, sizeof(pps)) == &ms_codec_h265);
	g_assert_true(sniff_exact(ap, sizeof(ap)) == &ms_codec_h265);
	g_assert_true(sniff_exact(ap, 8) == &ms_codec_h265);
	/* Any TID 1-7 */
	const guint8 vps_tid7[] = { 0x40, 0x07, 0x0c };
	g_assert_true(sniff_exact(vps_tid7, sizeof(vps_tid7)) == &ms_codec_h265);
	/* IRAPs and slices (single, fragmented, aggregated first), SEI first
	 * in an AP, a fragmented VPS */
	const guint8 idr[] = { 0x26, 0x01, 0xaf };
	const guint8 cra[] = { 0x2a, 0x01, 0xaf };
	const guint8 fu_idr[] = { 0x62, 0x01, 0x93, 0xaf };
	const guint8 fu_vps[] = { 0x62, 0x01, 0xa0, 0x0c };
	const guint8 trail[] = { 0x02, 0x01, 0xd0 };
	const guint8 ap_idr_first[] = { 0x60, 0x01, 0x00, 0x02, 0x26, 0x01, 0x00, 0x02, 0x40, 0x01 };
	const guint8 ap_sei_first[] = { 0x60, 0x01, 0x00, 0x02, 0x4e, 0x01, 0x00, 0x02, 0x40, 0x01 };
	g_assert_null(sniff_exact(idr, sizeof(idr)));
	g_assert_null(sniff_exact(cra, sizeof(cra)));
	g_assert_null(sniff_exact(fu_idr, sizeof(fu_idr)));
	g_assert_null(sniff_exact(fu_vps, sizeof(fu_vps)));
	g_assert_null(sniff_exact(trail, sizeof(trail)));
	g_assert_null(sniff_exact(ap_idr_first, sizeof(ap_idr_first)));
	/* Single NALs whose first byte is an H264 PPS's (0x08 0x28 0x48 0x68):
	 * STSA_N, IDR_N_LP, EOS, type 52; never an H264 PPS, at any TID */
	for(guint tid = 1; tid < 8; tid++) {
		const guint8 firsts[] = { 0x08, 0x28, 0x48, 0x68 };
		for(gsize i = 0; i < G_N_ELEMENTS(firsts); i++) {
			const guint8 nal[] = { firsts[i], (guint8)tid, 0xaf, 0x06 };
			g_assert_null(sniff_exact(nal, sizeof(nal)));
			g_assert_null(sniff_exact(nal, 2));
		}
	}
	const guint8 idr_n_lp[] = { 0x28, 0x01, 0xaf, 0x06 };
	g_assert_cmpuint(ms_codec_h265.inspect(idr_n_lp, sizeof(idr_n_lp)), ==, MS_PKT_KEY);
	g_assert_null(sniff_exact(ap_sei_first, sizeof(ap_sei_first)));
	/* F, TID 0, another layer, malformed or truncated AP */
	const guint8 vps_f[] = { 0xc0, 0x01, 0x0c };
	const guint8 vps_tid0[] = { 0x40, 0x00, 0x0c };
	const guint8 vps_layer1[] = { 0x40, 0x09, 0x0c };
	const guint8 vps_layer32[] = { 0x41, 0x01, 0x0c };
	const guint8 ap_trailing[] = { 0x60, 0x01, 0x00, 0x02, 0x40, 0x01, 0x00 };
	const guint8 ap_layer1[] = { 0x60, 0x09, 0x00, 0x02, 0x40, 0x01 };
	g_assert_null(sniff_exact(vps_f, sizeof(vps_f)));
	g_assert_null(sniff_exact(vps_tid0, sizeof(vps_tid0)));
	g_assert_null(sniff_exact(vps_layer1, sizeof(vps_layer1)));
	g_assert_null(sniff_exact(vps_layer32, sizeof(vps_layer32)));
	g_assert_null(sniff_exact(ap_trailing, sizeof(ap_trailing)));
	g_assert_null(sniff_exact(ap_layer1, sizeof(ap_layer1)));
	/* Cut before the first NAL ends */
	for(gsize l = 0; l < 8; l++)
		g_assert_null(sniff_exact(ap, l));
}

static void test_sniff_empty(void)
{
	const guint8 sps[] = { 0x67 };
	g_assert_null(ms_codec_sniff(NULL, 0));
	g_assert_null(ms_codec_sniff(NULL, 10));
	g_assert_null(ms_codec_sniff(sps, 0));
}

/* Every 2 byte start, with a plain tail and as the head of a STAP-A/AP
 * whose first NAL it is, and random payloads: no payload is a parameter
 * set of both codecs (checked in sniff_exact). */
static void test_sniff_disjoint(void)
{
	guint n264 = 0, n265 = 0;
	for(guint v = 0; v < 65536; v++) {
		guint8 single[] = { (guint8)(v >> 8), (guint8)v, 0x01, 0x01 };
		guint8 stap[] = { 0x78, 0x00, 0x04, single[0], single[1], 0x01, 0x01 };
		guint8 ap[] = { 0x60, 0x01, 0x00, 0x04, single[0], single[1], 0x01, 0x01 };
		const ms_codec *c = sniff_exact(single, sizeof(single));
		n264 += c == &ms_codec_h264;
		n265 += c == &ms_codec_h265;
		g_assert_true(sniff_exact(single, 2) == c);
		const ms_codec *cs = sniff_exact(stap, sizeof(stap));
		const ms_codec *ca = sniff_exact(ap, sizeof(ap));
		/* A STAP-A/AP is sniffed by its first NAL */
		g_assert_true(cs == NULL || cs == &ms_codec_h264);
		g_assert_true(ca == NULL || ca == &ms_codec_h265);
		if(c == &ms_codec_h264)
			g_assert_true(cs == c);
		if(c == &ms_codec_h265)
			g_assert_true(ca == c);
	}
	/* H264: 4 SPS bytes x 256, 4 PPS bytes x 249 (not followed by 0x01-
	 * 0x07, an H265 header); H265: 3 header bytes x 7 TIDs */
	g_assert_cmpuint(n264, ==, 4 * 256 + 4 * 249);
	g_assert_cmpuint(n265, ==, 3 * 7);
	GRand *r = g_rand_new_with_seed(7798);
	for(guint i = 0; i < 50000; i++) {
		guint8 b[48];
		gsize len = g_rand_int_range(r, 0, sizeof(b) + 1);
		for(gsize j = 0; j < len; j++)
			b[j] = (guint8)g_rand_int(r);
		if(len > 0 && g_rand_boolean(r))
			b[0] = g_rand_boolean(r) ? 0x78 : 0x60;
		sniff_exact(b, len);
	}
	g_rand_free(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/codec/by-name", test_by_name);
	g_test_add_func("/ms/codec/sniff-h264", test_sniff_h264);
	g_test_add_func("/ms/codec/sniff-h265", test_sniff_h265);
	g_test_add_func("/ms/codec/sniff-empty", test_sniff_empty);
	g_test_add_func("/ms/codec/sniff-disjoint", test_sniff_disjoint);
	return g_test_run();
}
