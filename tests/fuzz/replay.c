/* replay.c: run a libFuzzer target over its seed corpus without libFuzzer,
 * so `make check` (gcc) replays every corpus file, crash inputs included.
 * Prints TAP: one line per input. The corpus folder is the first argument,
 * or MS_FUZZ_CORPUS (compiled in by Makefile.am). */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* g_ptr_array_sort hands the comparator pointers to the elements */
static gint by_name(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char * const *)a, *(char * const *)b);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : MS_FUZZ_CORPUS;
	GError *err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	if(d == NULL) {
		printf("1..0 # SKIP no corpus: %s\n", err ? err->message : dir);
		printf("Bail out! corpus folder missing\n");
		g_clear_error(&err);
		return 1;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, by_name);
	printf("1..%u\n", names->len);
	for(guint i = 0; i < names->len; i++) {
		char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
		gchar *buf = NULL;
		gsize len = 0;
		if(!g_file_get_contents(path, &buf, &len, NULL)) {
			printf("not ok %u %s (unreadable)\n", i + 1, path);
		} else {
			/* A crash or abort here fails the whole binary: that is the test */
			LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
			printf("ok %u %s\n", i + 1, (char *)g_ptr_array_index(names, i));
		}
		fflush(stdout);
		g_free(buf);
		g_free(path);
	}
	g_ptr_array_free(names, TRUE);
	return 0;
}
