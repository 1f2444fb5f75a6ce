/* fuzz_jcfg.c: libFuzzer target for ms_jcfg.
 *
 * bytes (exactly size, no terminator) -> ms_jcfg_parse -> walk the whole
 * tree and every error, checking the invariants the plugin relies on:
 * scalars have a value and containers none, lines stay within the input,
 * depth stays bounded, ms_jcfg_get finds the first child of a name, errors
 * are sorted by line. Build:
 *   clang -g -fsanitize=fuzzer,address,undefined -Iplugin tests/fuzz/fuzz_jcfg.c \
 *     plugin/ms_jcfg.c $(pkg-config --cflags --libs glib-2.0)
 *   ./a.out tests/fuzz/corpus/jcfg */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ms_jcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const ms_jcfg_setting *s, int depth, int max_line)
{
	ms_jcfg_type kind = ms_jcfg_kind(s);
	gboolean container = kind == MS_JCFG_GROUP || kind == MS_JCFG_LIST ||
		kind == MS_JCFG_ARRAY;
	if(depth > MS_JCFG_MAX_DEPTH + 1 || ms_jcfg_name(s) == NULL)
		abort();
	if(ms_jcfg_line(s) < (depth == 0 ? 0 : 1) || ms_jcfg_line(s) > max_line)
		abort();
	if(container != (ms_jcfg_value(s) == NULL))
		abort();
	if(!container && ms_jcfg_count(s) != 0)
		abort();
	if(kind == MS_JCFG_BOOL && strcmp(ms_jcfg_value(s), "true") != 0 &&
			strcmp(ms_jcfg_value(s), "false") != 0)
		abort();
	guint n = ms_jcfg_count(s);
	if(ms_jcfg_child(s, n) != NULL)
		abort();
	for(guint i = 0; i < n; i++) {
		const ms_jcfg_setting *c = ms_jcfg_child(s, i);
		if(c == NULL)
			abort();
		if(kind == MS_JCFG_GROUP) {
			/* named, and get() finds the first of that name */
			const ms_jcfg_setting *first = ms_jcfg_get(s, ms_jcfg_name(c));
			if(ms_jcfg_name(c)[0] == '\0' || first == NULL ||
					strcmp(ms_jcfg_name(first), ms_jcfg_name(c)) != 0)
				abort();
			for(guint j = 0; j < i; j++)
				if(ms_jcfg_child(s, j) == first)
					goto walk;
			if(first != c)
				abort();
		} else if(ms_jcfg_name(c)[0] != '\0') {
			abort();
		}
walk:
		walk(c, depth + 1, max_line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy without terminator: ASan catches any read past size */
	char *text = g_malloc(size ? size : 1);
	memcpy(text, data, size);
	int max_line = 1;
	for(size_t i = 0; i < size; i++)
		max_line += data[i] == '\n';
	ms_jcfg *cfg = ms_jcfg_parse(text, size);
	if(cfg == NULL)
		abort();
	walk(ms_jcfg_root(cfg), 0, max_line);
	int prev = 0;
	guint n = ms_jcfg_error_count(cfg);
	if(n > MS_JCFG_MAX_ERRORS + 1)
		abort();
	for(guint i = 0; i < n; i++) {
		int line = 0;
		const char *name = NULL, *message = NULL;
		if(!ms_jcfg_error(cfg, i, &line, &name, &message))
			abort();
		if(line < 1 || line > max_line || line < prev || name == NULL ||
				message == NULL || message[0] == '\0')
			abort();
		prev = line;
	}
	if(ms_jcfg_error(cfg, n, NULL, NULL, NULL))
		abort();
	ms_jcfg_free(cfg);
	g_free(text);
	return 0;
}
