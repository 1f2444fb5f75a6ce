/* ms_h265.h: H265 (HEVC) RTP payload inspection (RFC 7798), pure.
 *
 * Used to find decodable start points: a packet that carries a VPS, SPS,
 * PPS or the start of an IRAP picture (single NAL, inside an aggregation
 * packet, or the first fragment of a fragmentation unit) is "keyframe
 * material". Only the base layer (nuh_layer_id 0) is looked at. */
#ifndef MS_H265_H
#define MS_H265_H

#include <glib.h>

/* Flags describing the NAL units a payload carries. */
enum {
	MS_H265_VPS = 1 << 0,
	MS_H265_SPS = 1 << 1,
	MS_H265_PPS = 1 << 2,
	MS_H265_IRAP = 1 << 3,		/* an IRAP picture (BLA, IDR, CRA) starts in this packet */
	MS_H265_IRAP_CONT = 1 << 4,	/* continuation fragment of an IRAP (FU, not start) */
	MS_H265_SLICE = 1 << 5,		/* a non-IRAP VCL NAL (types 0-9) starts in this packet */
};

/* Inspect an H265 RTP payload (after the RTP header); returns a mask of
 * MS_H265_* flags, 0 for empty/malformed payloads. Never reads past len. */
guint ms_h265_inspect(const guint8 *payload, gsize len);

#endif
