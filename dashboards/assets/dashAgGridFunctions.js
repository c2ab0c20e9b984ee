/* Functions the dashboard's AG Grid column definitions call (dash-ag-grid looks them up
   in window.dashAgGridFunctions). */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* 1234.5 → "1.234,5" (vi) or "1,234.5" (en); empty for a missing value. */
dagfuncs.cocNumber = function (value, lang, decimals) {
  if (value === null || value === undefined || value === "") {
    return "";
  }
  return new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(value);
};
