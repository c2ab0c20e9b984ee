/* Functions the dashboard's AG Grid column definitions call (dash-ag-grid looks them up
   in window.dashAgGridFunctions). */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* 1234.5 → "1.234,5" (vi) or "1,234.5" (en), at most `decimals` places and no trailing
   zeros (a count reads "60.512", as coc.fmt.number writes it); empty for a missing value. */
dagfuncs.cocNumber = function (value, lang, decimals) {
  if (value === null || value === undefined || value === "") {
    return "";
  }
  return new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", {
    minimumFractionDigits: 0,
    maximumFractionDigits: decimals,
  }).format(value);
};
