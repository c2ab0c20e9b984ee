"""The monthly report for the commune's briefing (báo cáo giao ban), and its province
edition: the figures (`monthly`, `province`), SVG charts (`charts`), HTML with a print
stylesheet (`html`), PDF (`pdf`) and scheduled delivery (`schedule`)."""
