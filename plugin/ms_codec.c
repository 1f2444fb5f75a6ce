/* ms_codec.c: the codec table (see ms_codec.h). */
#include <string.h>
#include "ms_codec.h"
#include "ms_h264.h"
#include "ms_h265.h"

/* H264 NAL header byte: F(1) NRI(2) Type(5) */
#define H264_SPS 7
#define H264_PPS 8
#define H264_STAP_A 24
/* H265 NAL header: F(1) Type(6) LayerId(6) TID(3), 2 bytes */
#define H265_VPS 32
#define H265_PPS 34
#define H265_AP 48

static guint h264_facts(const guint8 *payload, gsize len)
{
	guint nal = ms_h264_inspect(payload, len), f = 0;
	if(nal & MS_H264_SPS)
		f |= MS_PKT_PARAMS_FIRST | MS_PKT_PARAMS;
	if(nal & MS_H264_PPS)
		f |= MS_PKT_PARAMS;
	if(nal & MS_H264_IDR)
		f |= MS_PKT_KEY;
	if(nal & MS_H264_IDR_CONT)
		f |= MS_PKT_KEY_CONT;
	if(nal & MS_H264_SLICE)
		f |= MS_PKT_SLICE;
	return f;
}

/* Do two bytes form the NAL header of a base-layer H265 NAL (F 0, LayerId
 * 0, TID >= 1)? */
static gboolean h265_base_header(const guint8 *p)
{
	return (p[0] & 0x81) == 0 && (p[1] >> 3) == 0 && (p[1] & 0x07) != 0;
}

/* SPS or PPS as a single NAL, or first in a STAP-A (1-byte header, then
 * a 16 bit size). A single PPS whose first two bytes also make a base-layer
 * H265 header is left out: see ms_codec_sniff. */
static gboolean h264_starts_params(const guint8 *p, gsize len)
{
	if(len >= 1 && (p[0] & 0x1f) == H264_STAP_A) {
		if(len < 4)
			return FALSE;
		p += 3;
		len -= 3;
	} else if(len >= 2 && (p[0] & 0x1f) == H264_PPS && h265_base_header(p)) {
		return FALSE;
	}
	if(len < 1 || (p[0] & 0x80))
		return FALSE;
	return (p[0] & 0x1f) == H264_SPS || (p[0] & 0x1f) == H264_PPS;
}

const ms_codec ms_codec_h264 = {
	.name = "h264",
	.rtpmap = "H264/90000",
	.clock = 90000,
	.inspect = h264_facts,
	.starts_params = h264_starts_params,
};

static guint h265_facts(const guint8 *payload, gsize len)
{
	guint nal = ms_h265_inspect(payload, len), f = 0;
	/* A keyframe starts with the VPS (then SPS, PPS) */
	if(nal & MS_H265_VPS)
		f |= MS_PKT_PARAMS_FIRST | MS_PKT_PARAMS;
	if(nal & (MS_H265_SPS | MS_H265_PPS))
		f |= MS_PKT_PARAMS;
	if(nal & MS_H265_IRAP)
		f |= MS_PKT_KEY;
	if(nal & MS_H265_IRAP_CONT)
		f |= MS_PKT_KEY_CONT;
	if(nal & MS_H265_SLICE)
		f |= MS_PKT_SLICE;
	return f;
}

/* VPS, SPS or PPS of the base layer (F 0, LayerId 0, TID >= 1) as a single
 * NAL, or first in an AP (2-byte header, then a 16 bit size). */
static gboolean h265_starts_params(const guint8 *p, gsize len)
{
	if(len >= 2 && ((p[0] >> 1) & 0x3f) == H265_AP) {
		if(len < 6)
			return FALSE;
		p += 4;
		len -= 4;
	}
	if(len < 2 || !h265_base_header(p))
		return FALSE;
	guint8 type = (p[0] >> 1) & 0x3f;
	return type >= H265_VPS && type <= H265_PPS;
}

const ms_codec ms_codec_h265 = {
	.name = "h265",
	.rtpmap = "H265/90000",
	.clock = 90000,
	.inspect = h265_facts,
	.starts_params = h265_starts_params,
};

static const ms_codec *codecs[] = { &ms_codec_h264, &ms_codec_h265 };

const ms_codec ms_codec_opus = { .name = "opus", .rtpmap = "opus/48000/2", .clock = 48000, .audio = TRUE };
const ms_codec ms_codec_pcmu = { .name = "pcmu", .rtpmap = "PCMU/8000", .clock = 8000, .audio = TRUE };
const ms_codec ms_codec_pcma = { .name = "pcma", .rtpmap = "PCMA/8000", .clock = 8000, .audio = TRUE };
static const ms_codec *audio_codecs[] = { &ms_codec_opus, &ms_codec_pcmu, &ms_codec_pcma };

const ms_codec *ms_codec_audio_by_name(const char *name)
{
	for(guint i = 0; name != NULL && i < G_N_ELEMENTS(audio_codecs); i++)
		if(g_ascii_strcasecmp(audio_codecs[i]->name, name) == 0)
			return audio_codecs[i];
	return NULL;
}

guint ms_codec_aggregate(const guint8 *p, gsize len, gsize hdr, gsize min_nal,
		guint (*nal)(const guint8 *unit))
{
	guint flags = 0;
	gsize off = hdr;
	if(off >= len)
		return 0;
	while(off < len) {
		if(len - off < 2)
			return 0;
		gsize size = ((gsize)p[off] << 8) | p[off + 1];
		off += 2;
		if(size == 0 || size < min_nal || size > len - off)
			return 0;
		flags |= nal(p + off);
		off += size;
	}
	return flags;
}

const ms_codec *ms_codec_by_name(const char *name)
{
	for(guint i = 0; name != NULL && i < G_N_ELEMENTS(codecs); i++)
		if(g_ascii_strcasecmp(codecs[i]->name, name) == 0)
			return codecs[i];
	return NULL;
}

/* What an H264 stream sends never sniffs as H265, nor the other way:
 * - H264 wants F 0 and type 7 (SPS: 0x07 0x27 0x47 0x67), 8 (PPS: 0x08
 *   0x28 0x48 0x68) or 24 (STAP-A: 0x18 0x38 0x58 0x78) in byte 0.
 *   An SPS byte has its low bit set: as H265 that is a LayerId >= 32,
 *   never the base layer. The STAP-A bytes are H265 types 12 28 44 60,
 *   reserved or unspecified: no H265 sender uses them. The PPS bytes are
 *   H265 types 4 (STSA_N), 20 (IDR_N_LP), 36 (EOS) and 52: an H265 stream
 *   does send those, as single NALs (0x28 0x01: a small IDR). So a single
 *   H264 PPS counts only when byte 1 does not complete a base-layer H265
 *   header (LayerId 0, TID 1-7, i.e. 0x01-0x07): for an H264 PPS that
 *   would take a pic_parameter_set_id of 31 or more (ue(v) with at least
 *   5 leading zero bits), which nobody uses; the SPS and STAP-A still identify H264.
 * - H265 wants 0x40 (VPS), 0x42 (SPS), 0x44 (PPS) or 0x60 (AP) in byte 0:
 *   as H264 those are types 0 (unspecified), 2 and 4 (data partitions A
 *   and C: Extended profile, which no camera, ffmpeg or browser sends),
 *   never an SPS, PPS or STAP-A.
 * The codec's own inspection must also report a parameter set, so a
 * malformed aggregate is no match. Should two codecs ever match, the
 * payload is ambiguous: NULL. */
const ms_codec *ms_codec_sniff(const guint8 *payload, gsize len)
{
	const ms_codec *found = NULL;
	if(payload == NULL)
		return NULL;
	for(guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
		const ms_codec *c = codecs[i];
		if(c->starts_params == NULL || !c->starts_params(payload, len))
			continue;
		if(!(c->inspect(payload, len) & MS_PKT_PARAMS))
			continue;
		if(found != NULL)
			return NULL;
		found = c;
	}
	return found;
}
