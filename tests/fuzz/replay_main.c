/*
 * replay_main.c - run a libFuzzer target over every file of a corpus
 * directory (or the files named on the command line) without libFuzzer, so
 * plain builds keep the seed corpora as regression inputs.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE          *f;
	unsigned char *buf;
	long           n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return (-1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL
	        || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		fclose(f);
		return (-1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return (0);
}

int
main(int argc, char **argv)
{
	int i, count = 0, failed = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR           *d = opendir(argv[i]);
			struct dirent *de;
			char           path[4096];
			if (d == NULL) {
				perror(argv[i]);
				return (1);
			}
			while ((de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i],
				        de->d_name);
				failed += replay_file(path) != 0;
				count++;
			}
			closedir(d);
		} else {
			failed += replay_file(argv[i]) != 0;
			count++;
		}
	}
	printf("replayed %d inputs, %d unreadable\n", count, failed);
	return (count == 0 || failed != 0);
}
