// Types for the type check of the console's modules: the server serves uPlot's own ESM build at this path.
export { default } from 'uplot';
