{
  "targets": [
    {
      "target_name": "effect_reactor",
      "sources": [
        "src/addon.cc",
        "src/backend.cc",
        "src/errors.cc",
        "src/notifier.cc",
        "src/poller_wrap.cc",
        "src/fd.cc",
        "src/owned_fds.cc",
        "src/socket.cc",
        "src/pty.cc",
        "src/inotify.cc",
        "src/pidfd.cc",
        "src/timerfd.cc",
        "src/signalfd.cc",
        "src/file.cc",
        "src/backend_poll.cc"
      ],
      "conditions": [
        ["OS=='linux'", {"sources": ["src/backend_epoll.cc"], "defines": ["REACTOR_HAVE_EPOLL=1"]}]
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fstack-protector-strong"]
    }
  ]
}
