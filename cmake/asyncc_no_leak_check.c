/*
 * Linked into the transpiler in sanitizer builds only (see the root
 * CMakeLists.txt).  asyncc is a one-shot tool that lets exit() reclaim its
 * buffers, like most compilers, so LeakSanitizer would fail every run;
 * AddressSanitizer and UBSan still check everything else.  The runtime and
 * the programs the tests build keep leak detection on.
 */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
