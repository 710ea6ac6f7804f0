{
  "targets": [
    {
      "target_name": "supernet_native",
      "sources": ["src/addon.cc", "src/conv.cc", "src/elementwise.cc", "src/pool.cc"],
      "include_dirs": ["/usr/include/oneapi"],
      "libraries": ["-ldnnl", "-fopenmp"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-fopenmp"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"]
    }
  ]
}
