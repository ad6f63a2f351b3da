/* Found next to hello.ac by a quoted include. */
int shout(const char *word, char *out, int cap);
