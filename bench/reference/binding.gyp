{
  "targets": [
    {
      "target_name": "reference",
      "sources": ["reference.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2"]
    }
  ]
}
