/**
 * Turns JMH JSON results into a markdown summary and SVG charts.
 */
package io.regioncache.bench.report;
