/* ms_codec.h: what the packet path needs to know about a video codec
 * (pure). One table entry per codec: a new codec is an entry, not `if`
 * branches in the cache, the switch engine or the relay.
 *
 * The codec-neutral facts about one RTP payload (ms_codec.inspect):
 *   MS_PKT_PARAMS_FIRST  the parameter set a keyframe starts with (H264 SPS,
 *                        H265 VPS)
 *   MS_PKT_PARAMS        any parameter set (H264 SPS, PPS; H265 VPS, SPS, PPS)
 *   MS_PKT_KEY           a keyframe picture starts in the packet (H264 IDR,
 *                        H265 IRAP: BLA, IDR, CRA)
 *   MS_PKT_KEY_CONT      a keyframe picture continues (a later fragment)
 *   MS_PKT_SLICE         a non-key picture starts in the packet
 * A decoder can start at a packet with PARAMS_FIRST or KEY; a GOP starts
 * at PARAMS or KEY material with a new timestamp (ms_gop.h). */
#ifndef MS_CODEC_H
#define MS_CODEC_H

#include <glib.h>

enum {
	MS_PKT_PARAMS_FIRST = 1 << 0,
	MS_PKT_PARAMS = 1 << 1,
	MS_PKT_KEY = 1 << 2,
	MS_PKT_KEY_CONT = 1 << 3,
	MS_PKT_SLICE = 1 << 4,
};

/* Where a decoder can start. */
#define MS_PKT_START (MS_PKT_PARAMS_FIRST | MS_PKT_KEY)
/* What begins a GOP (with a new timestamp). */
#define MS_PKT_KEY_MATERIAL (MS_PKT_PARAMS | MS_PKT_KEY)

typedef struct ms_codec {
	const char *name;		/* "h264", as in the config and the stream list */
	const char *rtpmap;		/* "H264/90000" */
	guint clock;			/* RTP clock rate (Hz) */
	gboolean audio;			/* an audio codec: no inspect, no keyframes */
	/* MS_PKT_* facts of one RTP payload (after the header); 0 for empty or
	 * malformed payloads. Never reads past len. */
	guint (*inspect)(const guint8 *payload, gsize len);
	/* TRUE when the payload starts with one of the codec's parameter sets
	 * (a single NAL, or the first NAL of an aggregate); for ms_codec_sniff.
	 * Never reads past len. */
	gboolean (*starts_params)(const guint8 *payload, gsize len);
} ms_codec;

extern const ms_codec ms_codec_h264;
extern const ms_codec ms_codec_h265;
/* Audio codecs a browser plays: passed through as they are */
extern const ms_codec ms_codec_opus;	/* "opus/48000/2" */
extern const ms_codec ms_codec_pcmu;	/* "PCMU/8000" */
extern const ms_codec ms_codec_pcma;	/* "PCMA/8000" */

/* The NAL units of an aggregation packet (H264 STAP-A, H265 AP): after a
 * header of hdr bytes, (16 bit size, NAL unit) pairs up to the end. nal
 * gives one unit's flags; returns the OR of them, or 0 when the packet is
 * malformed (nothing aggregated, a size below min_nal or past the end,
 * trailing bytes). Never reads past len. */
guint ms_codec_aggregate(const guint8 *p, gsize len, gsize hdr, gsize min_nal,
	guint (*nal)(const guint8 *unit));

/* The video codec of that name, or NULL. */
const ms_codec *ms_codec_by_name(const char *name);
/* The audio codec of that name ("opus", "pcmu", "pcma"), or NULL. */
const ms_codec *ms_codec_audio_by_name(const char *name);
/* The codec whose parameter set the payload (after the RTP header)
 * unambiguously starts with, in a well-formed packet of that codec; NULL
 * for anything else (pictures, fragments, SEI, malformed payloads).
 * Never reads past len. */
const ms_codec *ms_codec_sniff(const guint8 *payload, gsize len);

#endif
