/* fuzz_rtp.c: libFuzzer target for the RTP hot path's pure modules.
 *
 * Build (not wired into the autotools build):
 *   clang -fsanitize=fuzzer,address,undefined -Iplugin \
 *     $(pkg-config --cflags --libs glib-2.0) tests/fuzz/fuzz_rtp.c \
 *     plugin/ms_rtp.c plugin/ms_h264.c plugin/ms_h265.c plugin/ms_codec.c \
 *     plugin/ms_gop.c plugin/ms_rewrite.c
 *   ./a.out tests/fuzz/corpus/rtp
 *
 * 1. The whole input is one packet: ms_rtp_parse, ms_h264_inspect and
 *    ms_h265_inspect on its payload and on the raw bytes, ms_codec_sniff
 *    (a match is a parameter set of that codec only), then for each codec
 *    ms_packet_parse (once, as the plugin does), ms_gop_push and
 *    ms_rewrite_live on what parsed.
 * 2. The input is also read as a script of records (op, len, bytes): live
 *    packets pushed into a GOP cache and rewritten, rebases, replays of the
 *    cache, clock steps. The low bit of the first byte picks the codec the
 *    live packets are parsed as: 0 H264, 1 H265. The byte is not consumed
 *    (it is also the first record's op; an odd op is a switch or a clock
 *    step, harmless at the start), so a script or packet that starts with
 *    an even byte, as every RTP packet without an odd CSRC count does,
 *    reads as H264 exactly as before. The outgoing stream is checked after
 *    every packet: sequence +1..+1000, timestamp never backwards, SSRC and
 *    PT set.
 *    A violation aborts. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ms_codec.h"
#include "ms_gop.h"
#include "ms_h264.h"
#include "ms_h265.h"
#include "ms_packet.h"
#include "ms_rewrite.h"
#include "ms_rtp.h"

#define FUZZ_SSRC 0x0badcafeu
#define FUZZ_PT 107

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

typedef struct fuzz_out {
	gboolean have;
	guint16 seq;
	guint32 ts;
} fuzz_out;

/* Invariants of the outgoing stream. */
static void check_sent(fuzz_out *o, const guint8 *pkt)
{
	if(ms_rtp_ssrc(pkt) != FUZZ_SSRC || ms_rtp_pt(pkt) != FUZZ_PT)
		abort();
	guint16 seq = ms_rtp_seq(pkt);
	guint32 ts = ms_rtp_ts(pkt);
	if(o->have) {
		guint16 ds = (guint16)(seq - o->seq);
		if(ds < 1 || ds > 1000)
			abort();
		if((gint32)(ts - o->ts) < 0)
			abort();
	}
	o->have = TRUE;
	o->seq = seq;
	o->ts = ts;
}

/* Facts that say a payload is (or continues) keyframe material. */
#define KEYISH (MS_PKT_PARAMS_FIRST | MS_PKT_PARAMS | MS_PKT_KEY | MS_PKT_KEY_CONT)

static const ms_codec *const fuzz_codecs[] = { &ms_codec_h264, &ms_codec_h265 };

/* Inspection of one payload by both codecs, and what sniffing makes of it. */
static void inspect_payload(const guint8 *payload, gsize len)
{
	guint flags = ms_h264_inspect(payload, len);
	gboolean key = (flags & (MS_H264_SPS | MS_H264_PPS | MS_H264_IDR)) != 0;
	if(key != ms_h264_is_keyframe_material(payload, len))
		abort();
	guint f265 = ms_h265_inspect(payload, len);
	if(f265 & ~(guint)(MS_H265_VPS | MS_H265_SPS | MS_H265_PPS | MS_H265_IRAP | MS_H265_IRAP_CONT | MS_H265_SLICE))
		abort();
	guint facts[G_N_ELEMENTS(fuzz_codecs)];
	for(guint i = 0; i < G_N_ELEMENTS(fuzz_codecs); i++)
		facts[i] = fuzz_codecs[i]->inspect(payload, len);
	/* No payload is a parameter set of both codecs */
	if((facts[0] & MS_PKT_PARAMS) && (facts[1] & MS_PKT_PARAMS))
		abort();
	const ms_codec *c = ms_codec_sniff(payload, len);
	for(guint i = 0; c != NULL && i < G_N_ELEMENTS(fuzz_codecs); i++) {
		if(fuzz_codecs[i] == c && !(facts[i] & MS_PKT_PARAMS))
			abort();
		if(fuzz_codecs[i] != c && (facts[i] & KEYISH))
			abort();
	}
}

static void whole_packet(const guint8 *data, size_t size)
{
	gsize off = 0, plen = 0;
	inspect_payload(data, size);
	if(ms_rtp_parse(data, size, &off, &plen)) {
		if(off < 12 || off > size || plen > size - off)
			abort();
		inspect_payload(data + off, plen);
	}
	for(guint i = 0; i < G_N_ELEMENTS(fuzz_codecs); i++) {
		const ms_codec *codec = fuzz_codecs[i];
		ms_packet p;
		gboolean rtp = ms_packet_parse(&p, data, size, codec);
		if(rtp != ms_rtp_parse(data, size, NULL, NULL))
			abort();
		if(!rtp)
			return;
		if(p.payload_off != off || p.payload_len != plen || p.seq != ms_rtp_seq(data) || p.ts != ms_rtp_ts(data))
			abort();
		if(p.facts != codec->inspect(data + off, plen))
			abort();
		ms_gop *g = ms_gop_new(2048, 8);
		ms_gop_push(g, &p, 0);
		if(ms_gop_bytes(g) > 2048 || ms_gop_count(g) > 1)
			abort();
		ms_gop_free(g);
	}
	if(size <= MS_RTP_MAX_PACKET) {
		guint8 buf[MS_RTP_MAX_PACKET];
		memcpy(buf, data, size);
		ms_rewrite rw;
		ms_rewrite_init(&rw, FUZZ_SSRC, FUZZ_PT);
		if(!ms_rewrite_live(&rw, buf, size, 0))
			abort();
	}
}

/* Replay the cache into the rewriter. */
static void replay(ms_gop *g, ms_rewrite *rw, fuzz_out *o, gint64 now)
{
	guint n = ms_gop_count(g);
	for(guint i = 0; i < n; i++) {
		gsize len = 0;
		const guint8 *p = ms_gop_packet(g, i, &len);
		guint8 buf[MS_RTP_MAX_PACKET];
		if(p == NULL || len > sizeof(buf))
			abort();
		memcpy(buf, p, len);
		ms_rewrite_replay(rw, buf, len, i == 0, now);
		check_sent(o, buf);
	}
}

static void script(const guint8 *data, size_t size)
{
	ms_gop *g = ms_gop_new(4096, 32);
	ms_rewrite rw;
	ms_rewrite_init(&rw, FUZZ_SSRC, FUZZ_PT);
	fuzz_out o = { FALSE, 0, 0 };
	gint64 now = 1000000;
	size_t pos = 0;
	const ms_codec *codec = fuzz_codecs[size > 0 ? (data[0] & 1) : 0];
	while(pos + 2 <= size) {
		guint8 op = data[pos], len = data[pos + 1];
		pos += 2;
		now += (gint64)(op >> 3) * 997;
		switch(op & 3) {
			case 0: {
				/* A live packet: cache it and send it */
				gsize n = MIN((gsize)len, size - pos);
				guint8 buf[256];
				memcpy(buf, data + pos, n);
				pos += n;
				ms_packet p;
				if(!ms_packet_parse(&p, buf, n, codec))
					break;	/* never reaches the cache or a slot */
				ms_gop_push(g, &p, now);
				if(ms_rewrite_live(&rw, buf, n, now))
					check_sent(&o, buf);
				break;
			}
			case 1:
				/* A switch to the cache */
				if(op & 4)
					ms_rewrite_rebase(&rw, FALSE);
				if(ms_gop_ready(g, now, (gint64)len * 10000))
					replay(g, &rw, &o, now);
				ms_rewrite_rebase(&rw, TRUE);
				break;
			case 2:
				ms_rewrite_rebase(&rw, (op & 4) != 0);
				if(op & 64)
					ms_gop_reset(g);
				break;
			default:
				now += (gint64)len * 100000;
				break;
		}
	}
	ms_gop_free(g);
}

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
	if(size > 65536)
		return 0;
	whole_packet(data, size);
	script(data, size);
	return 0;
}
