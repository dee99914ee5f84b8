#!/bin/sh
# Removes from production node_modules what a Linux container never loads: ONNX Runtime's macOS
# and Windows binaries and those of the other CPU architecture, the SQLite sources and object
# files left by the native build, and source maps.
set -eu
ort=node_modules/onnxruntime-node/bin/napi-v6
if [ -d "$ort" ]; then
  rm -rf "$ort/darwin" "$ort/win32"
  case "$(uname -m)" in
    x86_64) rm -rf "$ort/linux/arm64" ;;
    aarch64 | arm64) rm -rf "$ort/linux/x64" ;;
  esac
fi
sqlite=node_modules/better-sqlite3
rm -rf "$sqlite/deps" "$sqlite/src" "$sqlite/build/Release/obj" "$sqlite/build/Release/obj.target" "$sqlite/build/Release/.deps"
find node_modules -name '*.map' -type f -delete
