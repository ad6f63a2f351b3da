#include <ctype.h>
#include "local.h"

int shout(const char *word, char *out, int cap)
{
    int n = 0;
    while (word[n] && n + 1 < cap) {
        out[n] = (char)toupper((unsigned char)word[n]);
        n++;
    }
    out[n] = '\0';
    return n;
}
