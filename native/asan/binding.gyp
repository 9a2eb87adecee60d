# The addon built with AddressSanitizer and UndefinedBehaviorSanitizer, for `npm run test:asan`: the same target as
# ../binding.gyp (included, so its sources stay listed once), into native/asan/build. UBSan findings abort, like
# ASan's, so a test that trips one fails.
{
  "includes": ["../binding.gyp"],
  "target_defaults": {
    "cflags": ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"],
    "cflags_cc": ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"],
    "ldflags": ["-fsanitize=address,undefined"]
  }
}
