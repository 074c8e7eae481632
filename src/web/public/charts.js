// Two small uPlot charts over the recent blocks: seconds between blocks and transactions per block.

const HEIGHT_PX = 150;

function chart(el, label, stroke, bars) {
  const uPlot = window.uPlot;
  if (uPlot === undefined) return null;
  const opts = {
    width: Math.max(200, el.clientWidth),
    height: HEIGHT_PX,
    legend: { show: false },
    cursor: { points: { size: 6 } },
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [
      { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#eef0f3' } },
      { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#eef0f3' }, size: 44 },
    ],
    series: [
      { label: 'height' },
      bars
        ? { label, stroke, fill: `${stroke}55`, paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } }
        : { label, stroke, width: 2, points: { show: true, size: 4, fill: stroke } },
    ],
  };
  return new uPlot(opts, [[], []], el);
}

export class BlockCharts {
  constructor(intervalEl, txsEl) {
    this.intervalEl = intervalEl;
    this.txsEl = txsEl;
    this.interval = chart(intervalEl, 'seconds', '#2563eb', false);
    this.txs = chart(txsEl, 'txs', '#059669', true);
    window.addEventListener('resize', () => this.resize());
  }

  resize() {
    this.interval?.setSize({ width: Math.max(200, this.intervalEl.clientWidth), height: HEIGHT_PX });
    this.txs?.setSize({ width: Math.max(200, this.txsEl.clientWidth), height: HEIGHT_PX });
  }

  /** blocks: ascending by height. */
  update(blocks) {
    const heights = [];
    const intervals = [];
    for (let i = 1; i < blocks.length; i++) {
      if (blocks[i].height !== blocks[i - 1].height + 1) continue;
      heights.push(blocks[i].height);
      intervals.push(Math.max(0, blocks[i].time - blocks[i - 1].time));
    }
    this.interval?.setData([heights, intervals]);
    this.txs?.setData([blocks.map((b) => b.height), blocks.map((b) => b.txs)]);
  }
}
