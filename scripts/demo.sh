#!/bin/sh
# The main job on the bundled Brown corpus, as far as strata goes today:
# vectorize the corpus, describe it, choose the number of topics (NMFk, with its reasons), fit topics and print
# them, find nearest words in a word embedding, and print a topic tree whose layers are chosen from the data.
set -eu
STRATA=${1:-build/bin/strata}
OUT=${2:-build/demo}
mkdir -p "$OUT"
echo "== vectorize the bundled Brown corpus (500 documents, 15 genres)"
"$STRATA" vectorize data/brown.tsv.gz --format tsv --id-column 1 --label-column 2 --text-column 3 \
  --stop-words english --min-df 2 --max-df 0.5 --window 5 -o "$OUT/brown.strata"
echo
echo "== summary"
"$STRATA" info "$OUT/brown.strata" --top 15
echo
echo "== how many topics? NMFk over k = 2..12: stability of the topics over perturbed copies, with consensus,"
echo "   cross-validation and coherence beside it; the chosen k, why, and the runners-up"
"$STRATA" rank "$OUT/brown.strata" --k 2:12 --perturbations 10 --seed 1 -o "$OUT/rank"
echo "(the curve: $OUT/rank/curve.svg; the selected model: strata topics $OUT/rank)"
echo
echo "== topics (NMF, k = 15, a finer view than the selected k)"
"$STRATA" nmf "$OUT/brown.strata" -k 15 --tol 1e-5 --seed 1 --top 10 -o "$OUT/nmf"
echo
echo "model directory: $OUT/nmf (W.npy, H.npy, vocabulary.txt, model.json, metrics.json)"
echo
echo "== word embeddings (PPMI + truncated SVD of the window-5 co-occurrence counts): nearest words"
"$STRATA" embed-words "$OUT/brown.strata" --dim 100 --seed 1 -o "$OUT/words" -q
for word in money church war; do
  "$STRATA" neighbors "$OUT/words" --term "$word" --top 6
done
echo
echo "== topic tree (Neural NMF) with the layers the data supports: each layer's rank chosen by NMFk"
"$STRATA" hnmf "$OUT/brown.strata" --ranks auto --k-max 12 --perturbations 10 --method neural --seed 1 \
  -o "$OUT/hnmf" | grep -E "rank selection|selected ranks"
"$STRATA" topics "$OUT/hnmf" --top 8
