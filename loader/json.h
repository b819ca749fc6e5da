/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* A minimal streaming JSON writer: always emits valid JSON, optionally pretty. */
#ifndef BPFTCP_JSON_H
#define BPFTCP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *out;
	bool pretty;
	int depth;
	bool need_comma[32];
	bool after_key;
};

void json_init(struct json *j, FILE *out, bool pretty);
void json_obj_open(struct json *j);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j);
void json_arr_close(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A value already in JSON text (one whole document), written as it is. */
void json_raw(struct json *j, const char *text);
/* Ends the document with a newline. */
void json_finish(struct json *j);

/* key + value shorthands */
#define json_kv_str(j, k, v)	do { json_key(j, k); json_str(j, v); } while (0)
#define json_kv_u64(j, k, v)	do { json_key(j, k); json_u64(j, v); } while (0)
#define json_kv_bool(j, k, v)	do { json_key(j, k); json_bool(j, v); } while (0)

#endif
