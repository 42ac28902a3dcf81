"""The clinic package: import, demo data, metrics and charts for the patient-progress dashboard."""
