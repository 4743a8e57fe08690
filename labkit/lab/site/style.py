"""The site's own style, added to every page: its navigation, widgets in the page's font, and tables that
read alike and fit their box."""

from __future__ import annotations

SITE_CSS = """
:root { --jp-widgets-font-family: var(--jp-ui-font-family); }
.labkit-top, .labkit-bottom { font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1);
  display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; align-items: center; padding: 0.6em 0;
  margin: 0 0 1em; border-bottom: 1px solid var(--jp-border-color2); }
.labkit-bottom { margin: 2em 0 0; border-bottom: none; border-top: 1px solid var(--jp-border-color2); }
.labkit-top a, .labkit-bottom a { text-decoration: none; }
.labkit-search input { font: inherit; padding: 0.15em 0.5em; width: 14em; max-width: 40vw;
  border: 1px solid var(--jp-border-color1); border-radius: 4px; }
.labkit-spacer { flex: 1; }
.jupyter-widgets, .jupyter-widgets input, .jupyter-widgets select, .jupyter-widgets button,
.jupyter-widgets label, .widget-html-content, .widget-label, .widget-inline-hbox, .widget-readout {
  font-family: var(--jp-ui-font-family) !important; font-size: var(--jp-ui-font-size1); }
.jp-OutputArea-output, .widget-html-content, .widget-output { max-width: 100%; overflow-x: auto; }
.labkit-table { max-width: 100%; overflow-x: auto; margin: 0.2em 0; }
.labkit-table table { border-collapse: collapse; font-size: var(--jp-ui-font-size1); margin: 0; }
.labkit-table th, .labkit-table td { text-align: left !important; vertical-align: top !important;
  padding: 4px 8px !important; border: none; border-bottom: 1px solid var(--jp-border-color2);
  max-width: 26em; overflow-wrap: break-word; white-space: normal !important; line-height: 1.35; }
.labkit-table thead th { font-weight: 600; background: var(--jp-layout-color2);
  border-bottom: 1px solid var(--jp-border-color1); }
.labkit-table tbody tr:nth-child(even) { background: var(--jp-rendermime-table-row-background); }
.labkit-table .num { text-align: right !important; font-variant-numeric: tabular-nums;
  white-space: nowrap !important; }
.labkit-legend { font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size0);
  color: var(--jp-ui-font-color2); margin: 0.2em 0 0.8em; }
.labkit-left-out { border-bottom: 1px dotted var(--jp-ui-font-color2); cursor: help; }
"""
"""Added to every page of the site after nbconvert's own (lab) style."""

PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 52em;
  margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #1f2328; }
nav { display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; align-items: center; }
li { margin-bottom: 1em; } li p { margin: 0.2em 0 0; color: #444; }
input[type=search] { font: inherit; padding: 0.2em 0.5em; width: 20em; max-width: 80vw; }
.hit { margin-bottom: 1.2em; } .hit p { margin: 0.2em 0 0; color: #444; } mark { background: #fff3b0; }
.note { color: #57606a; }
"""
"""The style of the site's own pages (the index and the search page)."""
