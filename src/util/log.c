/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdarg.h>

#include "util/log.h"

struct sink {
	char *buf;
	size_t size, len;
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len++] = c;
}

static void put_num(struct sink *s, unsigned long long v, unsigned base, unsigned width)
{
	char digits[24];
	unsigned n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && n < sizeof(digits));
	while (width > n && width--)
		put(s, '0');
	while (n)
		put(s, digits[--n]);
}

size_t iog_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {buf, size, 0};

	if (!size)
		return 0;
	for (; *fmt; fmt++) {
		unsigned width = 0, longlong = 0;

		if (*fmt != '%') {
			put(&s, *fmt);
			continue;
		}
		fmt++;
		while (*fmt >= '0' && *fmt <= '9' && width < 32)
			width = width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l' && longlong < 2) {
			longlong++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *str = va_arg(ap, const char *);

			for (str = str ? str : "(null)"; *str; str++)
				put(&s, *str);
			break;
		}
		case 'c': put(&s, (char)va_arg(ap, int)); break;
		case 'd': {
			long long v = longlong ? va_arg(ap, long long) : va_arg(ap, int);

			if (v < 0)
				put(&s, '-');
			put_num(&s, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v,
				10u, width);
			break;
		}
		case 'u':
		case 'x':
			put_num(&s,
				longlong ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned),
				*fmt == 'u' ? 10u : 16u, width);
			break;
		case '%': put(&s, '%'); break;
		case '\0': fmt--; break;
		default: put(&s, '?'); break;
		}
	}
	s.buf[s.len] = '\0';
	return s.len;
}

size_t iog_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = iog_vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void iog_logf(const struct iog_platform *plat, enum iog_log_level level, const char *fmt, ...)
{
	char line[IOG_LOG_LINE];
	va_list ap;

	if (!plat || !plat->log)
		return;
	va_start(ap, fmt);
	iog_vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	plat->log(plat->ctx, level, line);
}
