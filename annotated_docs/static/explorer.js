// The temperature explorer ("Dark knowledge, shown"): the teacher's logits for the page's
// digits come from the page's results JSON, embedded in the page by the build (so it works
// from file://, offline); the softmax at temperature T is computed here. The slider runs
// from T = 0.5 to 50 on a log scale; its keys step it as any range input's do.
(function () {
  var LOW = 0.5, HIGH = 50;

  // two significant digits (4.0, 12, 50): what the slider says is what the bars are computed at
  function temperatureAt(position) { return +(LOW * Math.pow(HIGH / LOW, position / 1000)).toPrecision(2); }
  function positionOf(temperature) { return Math.round(1000 * Math.log(temperature / LOW) / Math.log(HIGH / LOW)); }
  function shown(value) { return value >= 10 ? String(value) : value.toFixed(1); }

  // softmax(z / T), shifted by the largest logit so that nothing overflows
  function softmax(logits, temperature) {
    var top = Math.max.apply(null, logits);
    var exps = logits.map(function (z) { return Math.exp((z - top) / temperature); });
    var sum = exps.reduce(function (a, b) { return a + b; }, 0);
    return exps.map(function (e) { return e / sum; });
  }

  function entropy(probabilities) {
    return probabilities.reduce(function (sum, p) { return p > 0 ? sum - p * Math.log(p) : sum; }, 0);
  }

  function drawDigit(canvas, pixels) {
    var context = canvas.getContext("2d"), image = context.createImageData(28, 28);
    for (var row = 0; row < 28; row++) {
      for (var column = 0; column < 28; column++) {
        var at = 4 * (row * 28 + column), ink = 255 - pixels[row][column];
        image.data[at] = image.data[at + 1] = image.data[at + 2] = ink;
        image.data[at + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
  }

  function setUp(figure) {
    var data = JSON.parse(figure.querySelector(".explorer-data").textContent);
    var digits = data.digits, chosen = 0;
    var slider = figure.querySelector("input[type=range]");
    var output = figure.querySelector("output");
    var bars = figure.querySelector(".explorer-bars");
    var picker = figure.querySelector(".explorer-digits");
    digits.forEach(function (digit, number) {
      var label = document.createElement("label");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "explorer-digit";
      radio.value = number;
      radio.checked = number === 0;
      var canvas = document.createElement("canvas");
      canvas.width = canvas.height = 28;
      canvas.setAttribute("aria-hidden", "true");
      drawDigit(canvas, digit.pixels);
      var name = document.createElement("span");
      name.lang = "en";
      name.textContent = "#" + digit.index + " (" + digit.label + ")";
      label.appendChild(radio);
      label.appendChild(canvas);
      label.appendChild(name);
      picker.appendChild(label);
      radio.addEventListener("change", function () { chosen = number; update(); });
    });
    for (var k = 0; k < 10; k++) {
      var item = document.createElement("li");
      item.innerHTML = '<span class="explorer-class"></span><span class="explorer-bar"><span></span></span>' +
                       '<span class="explorer-value"></span>';
      item.querySelector(".explorer-class").textContent = k;
      bars.appendChild(item);
    }

    function update() {
      var temperature = temperatureAt(+slider.value);
      var digit = digits[chosen];
      var probabilities = softmax(digit.logits, temperature);
      output.textContent = shown(temperature);
      slider.setAttribute("aria-valuetext", "T = " + shown(temperature));
      figure.dataset.temperature = temperature;
      figure.dataset.digit = digit.index;
      Array.prototype.forEach.call(bars.children, function (item, k) {
        var p = probabilities[k];
        item.dataset.probability = p;
        item.classList.toggle("explorer-label", k === digit.label);
        item.querySelector(".explorer-bar span").style.width = (100 * p) + "%";
        item.querySelector(".explorer-value").textContent = p < 1e-3 ? p.toExponential(1) : p.toFixed(3);
      });
      var h = entropy(probabilities);
      figure.querySelector("[data-entropy]").textContent = h.toFixed(3);
      figure.querySelector("[data-entropy-share]").textContent = (100 * h / Math.log(10)).toFixed(0);
      figure.querySelector("[data-inverse]").textContent = (1 / temperature).toPrecision(3);
      figure.querySelector("[data-inverse-square]").textContent = (1 / (temperature * temperature)).toPrecision(3);
      // both scales drawn against their value at T = 0.5, the slider's lowest
      figure.querySelector("[data-inverse-bar]").style.width = (100 * LOW / temperature) + "%";
      figure.querySelector("[data-inverse-square-bar]").style.width = (100 * LOW * LOW / (temperature * temperature)) + "%";
    }
    slider.value = positionOf(4);
    slider.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".temperature-explorer").forEach(setUp);
  });
})();
