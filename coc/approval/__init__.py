"""Completeness registrations and month approval: DHIS2's completeDataSetRegistrations and
dataApprovals, kept simple (one data set, one workflow, one level: the commune)."""
