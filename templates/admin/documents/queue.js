/* The review queue's keys: a / r / t choose accept, reject, return and put the cursor in
   the remarks; n opens the next document of the list. Keys typed into a field are text,
   never shortcuts. The confirmation of findings shows only for the decisions it concerns. */
(function () {
  "use strict";
  var form = document.getElementById("decision-form");
  var response = form ? form.querySelector("select[name=response]") : null;
  var remarks = form ? form.querySelector("input[name=remarks]") : null;
  var confirmBox = document.getElementById("confirm-findings");
  var choices = { a: "ACCEPT", r: "REJECT", t: "RETURN" };

  function showConfirm() {
    if (!confirmBox || !response) return;
    var against = (confirmBox.getAttribute("data-against") || "").split(" ");
    confirmBox.style.display = against.indexOf(response.value) >= 0 ? "" : "none";
  }
  if (response) {
    response.addEventListener("change", showConfirm);
    showConfirm();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable) return;
    var key = event.key ? event.key.toLowerCase() : "";
    if (key === "n") {
      var next = document.getElementById("next");
      if (next) { event.preventDefault(); window.location.href = next.href; }
      return;
    }
    if (response && choices[key]) {
      event.preventDefault();
      response.value = choices[key];
      showConfirm();
      if (remarks) remarks.focus();
    }
  });
})();
