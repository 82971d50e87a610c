"""The end-of-exercise report: its data model, charts and exports (HTML, PDF, CSV, JSON).

Everything here is built from one ``report_model(state)``, itself derived from the event log, so the
page, the PDF, the CSV and the JSON always show the same numbers.
"""
