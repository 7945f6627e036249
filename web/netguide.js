// Starts the rasa-webchat widget against the Rasa socketio channel and shows the connection state.
(function () {
  var cfg = window.NETGUIDE_CONFIG || {};
  var rasaUrl = cfg.rasaUrl || (location.protocol + "//" + location.hostname + ":5005");
  var status = document.getElementById("server-status");
  window.WebChat.default({
    selector: "#webchat",
    initPayload: "/greet",
    customData: { language: "en" },
    socketUrl: rasaUrl,
    socketPath: "/socket.io/",
    title: "NETguide",
    subtitle: "Cited answers on neuroendocrine tumours",
    inputTextFieldHint: "e.g. Ki-67 12%, 1 mitosis per 2 mm², what grade?",
    params: { storage: "local" },
    embedded: false,
    showFullScreenButton: true,
    hideWhenNotConnected: false,
    connectingText: "Connecting to NETguide…"
  }, null);
  function check() {
    fetch(rasaUrl + "/webhooks/rest/", { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); status.textContent = "Connected to the assistant."; status.className = ""; })
      .catch(function () { status.textContent = "The assistant is unreachable. Retrying…"; status.className = "offline"; });
  }
  check();
  setInterval(check, 5000);
})();
