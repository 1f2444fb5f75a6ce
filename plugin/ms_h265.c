/* ms_h265.c: H265 (HEVC) RTP payload inspection (RFC 7798), pure.
 *
 * Classifies the NAL units a payload carries: single NAL unit packets
 * (types 0-47), aggregation packets (48, every aggregated NAL is looked
 * at) and fragmentation units (49, only the start fragment "starts" a
 * NAL). We never negotiate sprop-max-don-diff, so no DONL/DOND fields are
 * present. PACI (50), the unspecified types (51-63), anything outside the
 * base layer and anything malformed yield 0. Nothing is read past len.
 *
 * The NAL unit header is 2 bytes: F(1) Type(6) LayerId(6) TID(3), TID
 * being nuh_temporal_id_plus1 (0 is forbidden). */
#include "ms_h265.h"
#include "ms_codec.h"

#define NAL_SLICE_LAST 9	/* TRAIL, TSA, STSA, RADL, RASL: 0-9 */
#define NAL_IRAP_FIRST 16	/* BLA_W_LP */
#define NAL_IRAP_LAST 21	/* CRA_NUT */
#define NAL_VPS 32
#define NAL_SPS 33
#define NAL_PPS 34
#define NAL_AP 48
#define NAL_FU 49
#define NAL_PACI 50

#define NAL_HEADER_LEN 2
#define FU_START 0x80

/* A NAL header we act on: F clear, TID not 0 (both syntax violations,
 * never a start point) and the base layer (the only one we handle). */
static gboolean header_ok(const guint8 *p)
{
	if(p[0] & 0x80)
		return FALSE;
	if((p[1] & 0x07) == 0)
		return FALSE;
	return (p[0] & 0x01) == 0 && (p[1] >> 3) == 0;
}

static guint8 nal_type(const guint8 *p)
{
	return (p[0] >> 1) & 0x3f;
}

/* Flags of one complete (or starting) NAL unit of the given type. */
static guint nal_flags(guint8 type)
{
	if(type <= NAL_SLICE_LAST)
		return MS_H265_SLICE;
	if(type >= NAL_IRAP_FIRST && type <= NAL_IRAP_LAST)
		return MS_H265_IRAP;
	switch(type) {
		case NAL_VPS:
			return MS_H265_VPS;
		case NAL_SPS:
			return MS_H265_SPS;
		case NAL_PPS:
			return MS_H265_PPS;
		default:
			return 0;
	}
}

/* One NAL unit of an AP (at least its 2-byte header): aggregated NALs may
 * not themselves be APs/FUs/PACIs (nal_flags has nothing for those types). */
static guint ap_unit(const guint8 *nal)
{
	return header_ok(nal) ? nal_flags(nal_type(nal)) : 0;
}

/* FU: payload header (2 bytes), FU header (S, E, FuType), fragment data. */
static guint inspect_fu(const guint8 *p, gsize len)
{
	if(len < NAL_HEADER_LEN + 2)
		return 0;
	guint8 type = p[2] & 0x3f;
	if(type == NAL_AP || type == NAL_FU || type == NAL_PACI)
		return 0;
	if(p[2] & FU_START)
		return nal_flags(type);
	/* A continuation: only an IRAP's is worth reporting */
	return (type >= NAL_IRAP_FIRST && type <= NAL_IRAP_LAST) ? MS_H265_IRAP_CONT : 0;
}

guint ms_h265_inspect(const guint8 *payload, gsize len)
{
	if(payload == NULL || len < NAL_HEADER_LEN)
		return 0;
	/* An AP/FU header carries the (lowest) layer and TID of what it holds:
	 * the same checks apply */
	if(!header_ok(payload))
		return 0;
	guint8 type = nal_type(payload);
	if(type < NAL_AP)
		return nal_flags(type);
	if(type == NAL_AP)
		return ms_codec_aggregate(payload, len, NAL_HEADER_LEN, NAL_HEADER_LEN, ap_unit);
	if(type == NAL_FU)
		return inspect_fu(payload, len);
	return 0;
}
