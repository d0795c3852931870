// Tells the server the time zone this browser is in, so that pages show times in it until the
// user picks one on their account page. The server only accepts names it knows (IANA, zoneinfo).
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var wanted = "verbatim_tz=" + zone;
  if (document.cookie.split("; ").indexOf(wanted) !== -1) return;
  document.cookie = wanted + "; path=/; max-age=31536000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
})();
