import { expect } from "chai";
import { barChart, describe as describeChart, heatMap, lineChart } from "../../../server/charts/svg";

const widths = (svg: string) => [...svg.matchAll(/<rect x="190" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));

describe("server-side SVG charts", () => {
  it("draws bars in proportion to their values, with the category labels escaped", () => {
    const svg = barChart({ title: "T", summary: "S", categories: ["A & <B>", "C"], series: [{ name: "n", values: [10, 20] }], format: String });
    const [legendSwatch, a, c] = widths(svg);
    expect(legendSwatch).to.equal(12);
    expect(a).to.be.greaterThan(0);
    expect(c! / a!).to.be.closeTo(2, 0.01);
    expect(svg).to.contain("A &amp; &lt;B&gt;");
    expect(svg).not.to.contain("<B>");
  });
  it("is an image with its title and summary as accessible name and description", () => {
    const svg = describeChart(lineChart({ title: "", summary: "", x: ["2026-01", "2026-02"], series: [{ name: "Paid", values: [1, 2] }], format: String }), "Budget \"burn\"", "Paid 2 of 3");
    expect(svg).to.match(/^<svg [^>]*role="img" aria-labelledby="(chart-title-\d+) (chart-desc-\d+)"/);
    expect(svg).to.match(/<title id="chart-title-\d+">Budget &quot;burn&quot;<\/title><desc id="chart-desc-\d+">Paid 2 of 3<\/desc>/);
    expect(svg).to.match(/<path d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"/);
  });
  it("outlines the highlighted category and draws limit marks", () => {
    const plain = barChart({ title: "T", summary: "S", categories: ["A", "B"], series: [{ name: "n", values: [1, 2] }], format: String, markers: [5, null], markerLabel: "Ceiling" });
    const mine = barChart({ title: "T", summary: "S", categories: ["A", "B"], series: [{ name: "n", values: [1, 2] }], format: String, highlight: 1 });
    expect(mine).to.contain('stroke-width="1.5"');
    expect(plain).not.to.contain('stroke-width="1.5"');
    expect(plain.match(/stroke-dasharray="4 2"/g)?.length).to.equal(2); // legend and one marker
  });
  it("labels every heat-map cell with its count, withheld cells with a dash", () => {
    const svg = heatMap({ title: "T", summary: "S", rows: ["DK", "NL"], cols: ["DK", "NL"], values: [[0, 7], [null, 2]], axes: "r (rows) × c (columns)" });
    const labels = [...svg.matchAll(/<text [^>]*text-anchor="middle" font-size="11"(?: fill="#[0-9a-f]+")?>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(labels).to.include.members(["0", "7", "–", "2"]);
  });
});
