/* ms_h264.c: H264 RTP payload inspection (RFC 6184), pure.
 *
 * Classifies the NAL units a payload carries: single NAL unit packets
 * (types 1-23), STAP-A aggregates (24, every aggregated NAL is looked at)
 * and FU-A fragments (28, only the start fragment "starts" a NAL).
 * STAP-B, MTAP16/24 and FU-B (25, 26, 27, 29) belong to the interleaved
 * packetization mode, which we never negotiate: they, the reserved types
 * and anything malformed yield 0. Nothing is read past len. */
#include "ms_h264.h"
#include "ms_codec.h"

#define NAL_SLICE 1
#define NAL_SLICE_DPA 2
#define NAL_IDR 5
#define NAL_SPS 7
#define NAL_PPS 8
#define NAL_STAP_A 24
#define NAL_FU_A 28

#define FU_START 0x80

/* Flags of one complete (or starting) NAL unit of the given type. */
static guint nal_flags(guint8 type)
{
	switch(type) {
		case NAL_SLICE:
		case NAL_SLICE_DPA:
			return MS_H264_SLICE;
		case NAL_IDR:
			return MS_H264_IDR;
		case NAL_SPS:
			return MS_H264_SPS;
		case NAL_PPS:
			return MS_H264_PPS;
		default:
			return 0;
	}
}

/* One NAL unit of a STAP-A: aggregated NALs may not themselves be
 * aggregates or fragments (nal_flags has nothing for those types). */
static guint stap_unit(const guint8 *nal)
{
	return (nal[0] & 0x80) == 0 ? nal_flags(nal[0] & 0x1f) : 0;
}

/* FU-A: FU indicator, FU header (S, E, R, type), fragment data. */
static guint inspect_fu_a(const guint8 *p, gsize len)
{
	if(len < 3)
		return 0;
	guint8 type = p[1] & 0x1f;
	if(type == 0 || type >= NAL_STAP_A)
		return 0;
	if(p[1] & FU_START)
		return nal_flags(type);
	/* A continuation: only an IDR's is worth reporting */
	return type == NAL_IDR ? MS_H264_IDR_CONT : 0;
}

guint ms_h264_inspect(const guint8 *payload, gsize len)
{
	if(payload == NULL || len < 1)
		return 0;
	/* forbidden_zero_bit set: a syntax violation, never a start point */
	if(payload[0] & 0x80)
		return 0;
	guint8 type = payload[0] & 0x1f;
	if(type >= 1 && type <= 23)
		return nal_flags(type);
	if(type == NAL_STAP_A)
		return ms_codec_aggregate(payload, len, 1, 1, stap_unit);	/* one-byte STAP-A header */
	if(type == NAL_FU_A)
		return inspect_fu_a(payload, len);
	return 0;
}

gboolean ms_h264_is_keyframe_material(const guint8 *payload, gsize len)
{
	return (ms_h264_inspect(payload, len) & (MS_H264_SPS | MS_H264_PPS | MS_H264_IDR)) != 0;
}
