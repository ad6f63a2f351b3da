/* Found through target_include_directories: asyncc must see it too. */
#define GREETING "hello"
