"""Counts pytest results from a JUnit XML report (run with /usr/bin/python3).
Prints "PASSED FAILED" (errors count as failures, skips as neither)."""

import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 1")
    sys.exit(0)
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = failures = skipped = 0
for s in suites:
    tests += int(s.get("tests", 0))
    failures += int(s.get("failures", 0)) + int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
failed = failures if tests else max(failures, 1)
print(tests - failures - skipped, failed)
