#!/usr/bin/env python3
"""Writes N articles of about 5 KB each, made from the example articles, each unique,
for timing `annals ingest` end to end:

    python3 bench/make_articles.py 1000 /tmp/arts
    /usr/bin/time -f "%e s wall, %U user, %S sys" target/release/annals --db /tmp/ing.db ingest /tmp/arts
"""
import glob
import json
import os
import sys

n, out = int(sys.argv[1]), sys.argv[2]
root = os.path.join(os.path.dirname(__file__), "..", "examples", "articles")
texts = []
for p in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
    if p.endswith(".gold.json") or os.path.isdir(p):
        continue
    texts.append(json.load(open(p))["text"] if p.endswith(".json") else open(p).read())
os.makedirs(out, exist_ok=True)
for i in range(n):
    body = texts[i % len(texts)]
    while len(body) < 5000:
        body += "\n" + texts[(i + len(body)) % len(texts)]
    with open(os.path.join(out, f"a{i:05d}.txt"), "w") as f:
        f.write(body[:5200] + f"\nRéférence {i}.")
