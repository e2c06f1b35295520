// Live character and segment count for the SMS template (GSM-7 160/153, else UCS-2 70/67).
(function () {
  const area = document.querySelector("textarea[data-sms-counter]");
  const out = document.getElementById("sms-counter");
  if (!area || !out) return;
  const gsm = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;
  function update() {
    const text = area.value;
    const isGsm = gsm.test(text);
    const units = isGsm ? text.length + (text.match(/[\^{}\\[~\]|€]/g) || []).length : text.length;
    const [single, multi] = isGsm ? [160, 153] : [70, 67];
    const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
    out.textContent = `Template: ${text.length} characters, ${segments} SMS segment${segments === 1 ? "" : "s"} (${isGsm ? "GSM-7" : "UCS-2"}).`;
  }
  area.addEventListener("input", update);
})();
