/**
 * The `capacity` highest scores seen, with their ids: a min-heap on parallel typed arrays, so offering a score that
 * does not make the cut costs one comparison (the common case in a scan of many rows).
 */
export class TopScores {
  private readonly scores: Float64Array;
  private readonly ids: Float64Array;
  private size = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float64Array(Math.max(1, capacity));
    this.ids = new Float64Array(Math.max(1, capacity));
  }

  /** The lowest score kept, once full; -Infinity before. */
  get threshold(): number {
    return this.size < this.capacity ? -Infinity : this.scores[0];
  }

  offer(score: number, id: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent] <= score) break;
        this.scores[i] = this.scores[parent];
        this.ids[i] = this.ids[parent];
        i = parent;
      }
      this.scores[i] = score;
      this.ids[i] = id;
      return;
    }
    if (score <= this.scores[0]) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.scores[right] < this.scores[left] ? right : left;
      if (this.scores[child] >= score) break;
      this.scores[i] = this.scores[child];
      this.ids[i] = this.ids[child];
      i = child;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  /** What was kept, highest score first. */
  sorted(): { score: number; id: number }[] {
    return Array.from({ length: this.size }, (_, i) => ({ score: this.scores[i], id: this.ids[i] })).sort((a, b) => b.score - a.score);
  }
}
