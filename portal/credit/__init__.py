"""Credit records (行政处罚信息) and credit repair (信用修复): records, eligibility, review."""
