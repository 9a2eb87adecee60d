// Command-line options of the benchmarks' C programs (load.c, echo.c): `--name value` pairs.
#ifndef EFFECT_REACTOR_BENCH_OPTIONS_H
#define EFFECT_REACTOR_BENCH_OPTIONS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A number option in [min, max]; exits with a message naming the option otherwise.
static double option(int argc, char** argv, const char* name, const char* fallback, double min, double max) {
  const char* text = fallback;
  for (int i = 1; i + 1 < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, name) == 0) text = argv[i + 1];
  }
  char* end = NULL;
  double value = text == NULL ? NAN : strtod(text, &end);
  if (text == NULL || end == text || *end != '\0' || !(value >= min && value <= max)) {
    fprintf(stderr, "--%s must be a number in [%g, %g], got %s\n", name, min, max, text == NULL ? "nothing" : text);
    exit(1);
  }
  return value;
}

static const char* string_option(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, name) == 0) return argv[i + 1];
  }
  return fallback;
}

#endif
