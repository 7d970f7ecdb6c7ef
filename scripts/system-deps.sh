#!/bin/sh
# Install the Debian packages the outputs need (CJK font, HarfBuzz subsetter, PDF readers)
# when they are missing. Quick and silent when everything is already present.
set -eu
missing=""
fc-list :lang=zh 2>/dev/null | grep -q . || missing="$missing fonts-noto-cjk"
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset.so.0 || missing="$missing libharfbuzz-subset0"
command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v qpdf >/dev/null 2>&1 || missing="$missing qpdf"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "正在安装系统依赖:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "缺少系统依赖:$missing"
    echo "请以管理员身份运行: sudo apt-get install$missing"
    echo "(没有中文字体时 PDF 无法生成；缺少 libharfbuzz-subset0 时 PDF 生成会慢很多)"
fi
